#!/usr/bin/env bash
# Removes every trace of the thumbnail service: both Terraform stacks (buckets with every object
# version, and the repository with its images, included) and the GitHub secrets bootstrap.sh set.
# Works after a partial or failed bootstrap; run again, it says there is nothing left.
set -Eeuo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() {
  cat <<'EOF'
Usage: scripts/destroyAll.sh [options]

Destroys the delivery stack (when it was applied), the lambda stack, then the dependencies stack,
then deletes the GitHub secrets bootstrap.sh stored. Uploads and thumbnails are deleted with their buckets (force_destroy, on by default).

Options:
  --yes                    do not ask for confirmation
  --github-repo <o/name>   repository whose secrets to delete (default: gh repo view)
  --no-github              leave GitHub alone
  -h, --help               show this help

Honours AWS_REGION, AWS_PROFILE and AWS_ENDPOINT_URL.
EOF
}

read_options shared_option -- "$@"
check_shared_options

steps 4
removed=()

# --- 1 ------------------------------------------------------------------------------------------------
# Everything is checked before anything changes: a refusal here exits with 2, having changed nothing.
step "Preflight" "install what is missing, or fix the credentials, and run this again"
tools=(aws terraform)
if [ "$github" = true ]; then tools+=(gh); fi
require_tools "${tools[@]}"
check_environment
use_region
require_credentials
# Destroying checks the variables too: a value only the dependencies stack refuses would otherwise stop
# the run half-way, after the lambda stack was destroyed.
placeholder="$(placeholder_image_uri)"
check_stack_variables lambda -var-file="$SHARED_TFVARS" -var "aws_region=${region}" -var "image_uri=${placeholder}"
check_stack_variables dependencies -var-file="$SHARED_TFVARS" -var "aws_region=${region}"
if [ "$github" = true ] && [ -z "$github_repo" ]; then
  github_repo="$(gh repo view --json nameWithOwner --jq .nameWithOwner 2>/dev/null || true)"
  [ -n "$github_repo" ] || refuse "cannot tell which GitHub repository holds the secrets" "pass --github-repo owner/name, or --no-github"
  check_github_repo "$github_repo" "gh repo view"
fi
tf_init dependencies
tf_init lambda
tf_init delivery
delivery_resources="$(tf_resources delivery | wc -l | tr -d ' ')"
lambda_resources="$(tf_resources lambda | wc -l | tr -d ' ')"
dependency_resources="$(tf_resources dependencies | wc -l | tr -d ' ')"
if [ "$lambda_resources" -gt 0 ]; then lambda_exists=true; else lambda_exists=false; fi
if [ "$dependency_resources" -gt 0 ]; then dependencies_exist=true; else dependencies_exist=false; fi
secrets_present=()
if [ "$github" = true ]; then
  listed="$(gh secret list --repo "$github_repo" 2>/dev/null | cut -f1 || true)"
  for name in "${GITHUB_SECRETS[@]}"; do
    if grep -qx "$name" <<<"$listed"; then secrets_present+=("$name"); fi
  done
fi
info "account  ${account}, region ${region}, endpoint $(describe_endpoint)"
if [ "$delivery_resources" -gt 0 ]; then
  info "delivery stack      ${delivery_resources} resources"
  # One more step: the distribution goes first, while the function and bucket it names still exist.
  steps 5
fi
info "lambda stack        ${lambda_resources} resources"
info "dependencies stack  ${dependency_resources} resources"
if [ "$github" = true ]; then
  info "GitHub secrets      ${secrets_present[*]:-none} (${github_repo})"
fi
if [ "$lambda_exists" = false ] && [ "$dependencies_exist" = false ] && [ "${#secrets_present[@]}" -eq 0 ]; then
  finish_step
  printf '\nNothing to remove: both stacks are empty%s.\n' "$([ "$github" = true ] && echo " and no secrets are set")"
  exit 0
fi
confirm "Destroy all of this, uploads and thumbnails included?"

destroyed_count() { sed -n 's/^Destroy complete! Resources: \([0-9]*\) destroyed\./\1/p' <<<"$TF_SUMMARY"; }

if [ "$delivery_resources" -gt 0 ]; then
  step "Destroying terraform/delivery" "read the Terraform error above, fix it and run this again; nothing after this step was touched"
  tf_change delivery destroy -var-file="$SHARED_TFVARS" -var "aws_region=${region}"
  removed+=("delivery stack ($(destroyed_count) resources)")
fi

# --- 2 ------------------------------------------------------------------------------------------------
step "Destroying terraform/lambda" "read the Terraform error above, fix it and run this again; nothing after this step was touched"
if [ "$lambda_exists" = true ]; then
  tf_change lambda destroy -var-file="$SHARED_TFVARS" -var "aws_region=${region}" -var "image_uri=${placeholder}"
  removed+=("lambda stack ($(destroyed_count) resources)")
else
  info "nothing to destroy"
fi

# --- 3 ------------------------------------------------------------------------------------------------
step "Destroying terraform/dependencies" "read the Terraform error above, fix it and run this again"
if [ "$dependencies_exist" = true ]; then
  tf_change dependencies destroy -var-file="$SHARED_TFVARS" -var "aws_region=${region}"
  removed+=("dependencies stack ($(destroyed_count) resources)")
else
  info "nothing to destroy"
fi

# --- 4 ------------------------------------------------------------------------------------------------
step "Deleting the GitHub secrets" "delete them by hand (gh secret delete NAME --repo ${github_repo:-owner/name}) or run this again"
if [ "$github" = false ]; then
  info "skipped (--no-github)"
fi
for name in ${secrets_present[@]+"${secrets_present[@]}"}; do
  gh secret delete "$name" --repo "$github_repo" >/dev/null
  removed+=("secret ${name}")
  info "${name} deleted"
done
finish_step

printf '\n%s\n' "$(bold "Removed:")"
for item in ${removed[@]+"${removed[@]}"}; do
  printf '  %s\n' "$item"
done
