#!/usr/bin/env bash
# Turns an AWS account into a working thumbnail service, or brings an existing one up to date: safe to
# run again at any time.
set -Eeuo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() {
  cat <<'EOF'
Usage: scripts/bootstrap.sh [options]

Creates (or updates) everything: the Terraform dependencies stack, the function's image, the lambda
stack, the GitHub secrets for continuous deployment, and checks the result with a real upload.

Options:
  --yes                    do not ask for confirmation
  --github-repo <o/name>   repository to deploy from with OIDC (default: gh repo view)
  --no-github              no GitHub deploy role and no secrets
  --architecture <arch>    arm64 (default) or x86_64
  --skip-smoke-test        do not upload a sample image at the end
  --delivery               also apply terraform/delivery: CloudFront in front of the thumbnails
                           (docs/delivery.md); kept up to date on later runs once applied
  -h, --help               show this help

Honours AWS_REGION, AWS_PROFILE and AWS_ENDPOINT_URL (moto, LocalStack: the smoke test is then skipped).
Prerequisites: aws, terraform, docker with buildx, git, Node.js with `npm ci` run, and gh unless
--no-github.
EOF
}

architecture=""
smoke_test=true
delivery=false
# bootstrap_option ARGS...: this script's own options, for read_options (scripts/lib/common.sh).
bootstrap_option() {
  TAKEN=0
  case "$1" in
    --architecture=*) bootstrap_option "${1%%=*}" "${1#*=}"; TAKEN=1 ;;
    --architecture) option_value "$1" "${2:-}"; check_architecture "$2" "$1"; architecture="$2"; TAKEN=2 ;;
    --skip-smoke-test) option_once "$1"; smoke_test=false; TAKEN=1 ;;
    --delivery) option_once "$1"; delivery=true; TAKEN=1 ;;
  esac
}

read_options shared_option bootstrap_option -- "$@"
check_shared_options

SCRIPTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# A delivery stack applied before stays up to date, and keeps its read grant in the bucket policy.
distribution_arn="$(tf_output delivery distribution_arn)"
if [ -n "$distribution_arn" ]; then delivery=true; fi
if [ "$delivery" = true ]; then steps 7; else steps 6; fi

# --- 1 ------------------------------------------------------------------------------------------------
# Everything is checked before anything changes: a refusal here exits with 2, having changed nothing.
step "Preflight" "install what is missing, or fix the credentials, and run this again"
tools=(aws terraform docker git node)
if [ "$delivery" = true ]; then tools+=(curl); fi
if [ "$github" = true ]; then tools+=(gh); fi
require_tools "${tools[@]}"
require_buildx
require_node_modules
check_environment
use_region
if [ -n "$architecture" ]; then
  architecture_from=--architecture
else
  architecture="$(tf_output lambda architecture)"
  architecture_from="the lambda stack's state"
fi
architecture="${architecture:-arm64}"
check_architecture "$architecture" "$architecture_from"
require_credentials
if [ "$github" = true ]; then
  gh auth status >/dev/null 2>&1 || refuse "gh is not logged in" "run gh auth login, or pass --no-github"
  if [ -z "$github_repo" ]; then
    github_repo="$(gh repo view --json nameWithOwner --jq .nameWithOwner 2>/dev/null || true)"
    [ -n "$github_repo" ] || refuse "cannot tell which GitHub repository deploys" "pass --github-repo owner/name, or --no-github"
    check_github_repo "$github_repo" "gh repo view"
  fi
fi
dependency_vars=(-var-file="$SHARED_TFVARS" -var "aws_region=${region}")
if [ "$github" = true ]; then dependency_vars+=(-var "github_repository=${github_repo}"); fi
if [ -n "$distribution_arn" ]; then dependency_vars+=(-var "delivery_distribution_arn=${distribution_arn}"); fi
check_stack_variables dependencies "${dependency_vars[@]}"
check_stack_variables lambda -var-file="$SHARED_TFVARS" -var "aws_region=${region}" \
  -var "architecture=${architecture}" -var "image_uri=$(placeholder_image_uri)"
info "account       ${account}"
info "region        ${region}"
info "endpoint      $(describe_endpoint)"
info "architecture  ${architecture}"
info "GitHub        $([ "$github" = true ] && echo "${github_repo} (OIDC deploy role, repository secrets)" || echo "not wired (--no-github)")"
info "creates or updates: two S3 buckets, an ECR repository, an SQS dead-letter queue, a log group,"
info "IAM roles, the Lambda function with its S3 trigger, and CloudWatch alarms"
if [ "$delivery" = true ]; then
  info "and delivery: a CloudFront distribution, its viewer function and the function's URL"
fi
confirm "Go ahead?"

# --- 2 ------------------------------------------------------------------------------------------------
step "Applying terraform/dependencies" "read the Terraform error above; fix it and run this again (it resumes where it stopped)"
tf_init dependencies
if [ "$github" = true ]; then
  # An account has one GitHub OIDC provider: reuse one the stack does not already manage.
  existing_provider="$(aws iam list-open-id-connect-providers \
    --query "OpenIDConnectProviderList[?ends_with(Arn, '/token.actions.githubusercontent.com')].Arn | [0]" --output text 2>/dev/null || true)"
  # The state list is read whole before it is searched: `terraform state list | grep -q` under pipefail
  # fails whenever grep finds the line before Terraform has finished writing (SIGPIPE), which made a
  # re-run on a busy machine hand the stack its own provider as "existing", and so destroy it.
  managed="$(tf_resources dependencies)"
  if [ -n "$existing_provider" ] && [ "$existing_provider" != "None" ] &&
    ! grep -q '^aws_iam_openid_connect_provider\.github' <<<"$managed"; then
    dependency_vars+=(-var "github_oidc_provider_arn=${existing_provider}")
  fi
fi
tf_change dependencies apply "${dependency_vars[@]}"
repository_url="$(tf_output dependencies ecr_repository_url)"
function_name="$(tf_output dependencies function_name)"
source_bucket="$(tf_output dependencies source_bucket)"
source_prefix="$(tf_output dependencies source_prefix)"
thumbnail_bucket="$(tf_output dependencies thumbnail_bucket)"
thumbnail_prefix="$(tf_output dependencies thumbnail_prefix)"
deploy_role_arn="$(tf_output dependencies deploy_role_arn)"

# --- 3 ------------------------------------------------------------------------------------------------
step "Building and pushing the image" "check Docker is running and can reach ${repository_url%%/*}; then run this again"
# pushImage.sh reports progress on stderr and the image on stdout: show the one, keep the other.
exec 3>&1
image_uri="$("${SCRIPTS_DIR}/pushImage.sh" --repository-url "$repository_url" --architecture "$architecture" 2>&3 | tail -n 1)"
exec 3>&-
info "image ${image_uri}"

# --- 4 ------------------------------------------------------------------------------------------------
step "Applying terraform/lambda and deploying the image" "read the error above; fix it and run this again (the live alias still serves the version it served before)"
tf_init lambda
tf_change lambda apply -var-file="$SHARED_TFVARS" -var "aws_region=${region}" \
  -var "image_uri=${image_uri}" -var "architecture=${architecture}"
# Terraform creates the function and its live alias, then leaves both to deployments. npm run deploy
# moves the alias to the image just built, or to configuration terraform just changed, once the new
# version has passed its smoke test; when the alias already serves both, it does nothing.
deploy_args=(--function "$function_name" --image-uri "$image_uri")
if is_emulator; then
  info "no smoke test of the new version: ${AWS_ENDPOINT_URL} cannot run a container image"
  deploy_args+=(--skip-smoke-test)
fi
run_deploy "${deploy_args[@]}" | sed 's/^/    /'

if [ "$delivery" = true ]; then
  step "Applying terraform/delivery" "read the Terraform error above; fix it and run this again (the pipeline itself is deployed)"
  tf_init delivery
  tf_change delivery apply -var-file="$SHARED_TFVARS" -var "aws_region=${region}"
  applied_arn="$(tf_output delivery distribution_arn)"
  # The bucket policy is the dependencies stack's: it learns the new distribution's ARN here.
  if [ "$applied_arn" != "$distribution_arn" ]; then
    info "letting ${applied_arn} read the thumbnails (terraform/dependencies):"
    tf_change dependencies apply "${dependency_vars[@]}" -var "delivery_distribution_arn=${applied_arn}"
    # The function invalidates the distribution's cached renditions (CDN_DISTRIBUTION_ID, from the
    # dependencies stack's cdn_distribution_id): the lambda stack learns it, and the alias moves to it.
    info "letting the function invalidate ${applied_arn} (terraform/lambda):"
    tf_change lambda apply -var-file="$SHARED_TFVARS" -var "aws_region=${region}" \
      -var "image_uri=${image_uri}" -var "architecture=${architecture}"
    run_deploy "${deploy_args[@]}" | sed 's/^/    /'
  fi
  cdn_base="$(tf_output delivery base_url)"
  cdn_rendition="$(tf_output delivery first_rendition)"
  info "cdn ${cdn_base}"
fi

# --- 5 ------------------------------------------------------------------------------------------------
step "Storing the GitHub repository secrets" "check gh can write secrets to ${github_repo:-the repository} (gh auth status), then run this again"
if [ "$github" = true ]; then
  set_secret() {
    gh secret set "$1" --repo "$github_repo" --body "$2" >/dev/null
    info "${1} set"
  }
  set_secret ECR_REPOSITORY "${repository_url#*/}"
  set_secret AWS_REGION "$region"
  set_secret LAMBDA_FUNCTION_NAME "$function_name"
  if [ -n "$deploy_role_arn" ]; then set_secret AWS_DEPLOY_ROLE_ARN "$deploy_role_arn"; fi
else
  info "skipped (--no-github): continuous deployment needs ${GITHUB_SECRETS[*]}"
fi

# --- 6 ------------------------------------------------------------------------------------------------
step "Smoke test: a real upload" "look at the function's logs (aws logs tail /aws/lambda/${function_name} --since 10m) and its dead-letter queue"
if [ "$smoke_test" = false ]; then
  info "skipped (--skip-smoke-test)"
elif is_emulator; then
  info "skipped: ${AWS_ENDPOINT_URL} is an emulator, which cannot run a container-image function"
else
  key="${source_prefix}thumbnailer-smoke-test/$(date -u +%Y%m%dT%H%M%SZ).jpg"
  thumbnail_key="${thumbnail_prefix}${key}.jpg"
  aws s3 cp "${SCRIPTS_DIR}/assets/smoke-test.jpg" "s3://${source_bucket}/${key}" --only-show-errors
  waited=0
  until aws s3api head-object --bucket "$thumbnail_bucket" --key "$thumbnail_key" >/dev/null 2>&1; do
    [ "$waited" -lt 120 ] || die "no thumbnail for s3://${source_bucket}/${key} after 2 minutes" "$STEP_HINT"
    sleep 2
    waited=$((waited + 2))
  done
  info "thumbnail s3://${thumbnail_bucket}/${thumbnail_key} appeared within ${waited}s"
  if [ "$delivery" = true ]; then
    # A new distribution takes minutes to reach every edge, and its bucket grant a moment to apply.
    cdn_url="${cdn_base}${cdn_rendition}/${key}"
    waited=0
    until curl -fsS -o /dev/null -H 'Accept: image/avif,image/webp,*/*' "$cdn_url" 2>/dev/null; do
      [ "$waited" -lt 900 ] || die "no answer from ${cdn_url} after 15 minutes" "$STEP_HINT"
      sleep 10
      waited=$((waited + 10))
    done
    info "served through CloudFront: ${cdn_url}"
  fi
  # The sample and its thumbnail were ours to add, and are ours to remove.
  aws s3 rm "s3://${source_bucket}/${key}" --only-show-errors
  aws s3 rm "s3://${thumbnail_bucket}/${thumbnail_key}" --only-show-errors
fi
finish_step

cat <<EOF

$(bold "thumbnailer is deployed")
  uploads       s3://${source_bucket}/${source_prefix}
  thumbnails    s3://${thumbnail_bucket}/${thumbnail_prefix}
  function      ${function_name} (${architecture}), image ${image_uri}
  logs          aws logs tail /aws/lambda/${function_name} --follow
EOF
if [ "$delivery" = true ]; then
  cat <<EOF
  cdn           ${cdn_base} ($(tf_output delivery domain_name), distribution $(tf_output delivery distribution_id))
                $(tf_output delivery distribution_arn)
  example       $(tf_output delivery example_url)
EOF
fi
cat <<EOF

Upload an image and list its thumbnail:
  aws s3 cp cat.jpg s3://${source_bucket}/${source_prefix}cat.jpg && sleep 5 && aws s3 ls s3://${thumbnail_bucket}/${thumbnail_prefix}
EOF
