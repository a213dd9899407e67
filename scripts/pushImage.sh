#!/usr/bin/env bash
# Builds the function's container image for its architecture, pushes it to ECR tagged with the git
# commit, and prints the image URI by digest on the last line (for scripts: `uri=$(... | tail -n 1)`).
set -Eeuo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() {
  cat <<'EOF'
Usage: scripts/pushImage.sh [options]

Builds the Lambda image with docker buildx, pushes it to ECR and prints its URI by digest, last.

Options:
  --repository-url <url>   ECR repository (default: the dependencies stack's ecr_repository_url)
  --architecture <arch>    arm64 or x86_64 (default: the lambda stack's, else arm64)
  --tag <tag>              image tag (default: the git commit, with -dirty-<time> for uncommitted changes)
  -h, --help               show this help

A tag already in the repository (tags are immutable) is not built again: its digest is printed.
Honours AWS_REGION, AWS_PROFILE and AWS_ENDPOINT_URL.
EOF
}

repository_url=""
architecture=""
tag=""
# push_option ARGS...: this script's options, for read_options (scripts/lib/common.sh).
push_option() {
  TAKEN=0
  case "$1" in
    --repository-url=* | --architecture=* | --tag=*) push_option "${1%%=*}" "${1#*=}"; TAKEN=1 ;;
    --repository-url) option_value "$1" "${2:-}"; check_repository_url "$2" "$1"; repository_url="$2"; TAKEN=2 ;;
    --architecture) option_value "$1" "${2:-}"; check_architecture "$2" "$1"; architecture="$2"; TAKEN=2 ;;
    --tag) option_value "$1" "${2:-}"; check_tag "$2" "$1"; tag="$2"; TAKEN=2 ;;
  esac
}

read_options push_option -- "$@"

require_tools aws docker git
require_buildx
# The defaults come from the stacks' outputs; with both given (as in CI), Terraform is not needed.
if [ -z "$repository_url" ] || [ -z "$architecture" ]; then
  require_tools terraform
fi
check_environment
use_region

repository_from=--repository-url
if [ -z "$repository_url" ]; then
  repository_url="$(tf_output dependencies ecr_repository_url)"
  repository_from="the dependencies stack's ecr_repository_url"
fi
[ -n "$repository_url" ] || refuse "no repository: the dependencies stack has no ecr_repository_url output" \
  "apply terraform/dependencies first (scripts/bootstrap.sh does), or pass --repository-url"
check_repository_region "$repository_url" "$repository_from"
if [ -z "$architecture" ]; then
  architecture="$(tf_output lambda architecture)"
  architecture="${architecture:-arm64}"
  check_architecture "$architecture" "the lambda stack's state"
fi
platform="linux/$([ "$architecture" = arm64 ] && echo arm64 || echo amd64)"

if [ -z "$tag" ]; then
  if commit="$(git -C "$REPO_ROOT" rev-parse HEAD 2>/dev/null)"; then
    tag="$commit"
    # Tags are immutable: a build of uncommitted changes gets a tag of its own every time.
    if [ -n "$(git -C "$REPO_ROOT" status --porcelain 2>/dev/null)" ]; then
      tag="${commit}-dirty-$(date -u +%Y%m%dT%H%M%SZ)"
    fi
  else
    tag="nogit-$(date -u +%Y%m%dT%H%M%SZ)"
  fi
fi

registry="${repository_url%%/*}"
repository="${repository_url#*/}"

digest_of() {
  aws ecr describe-images --region "$region" --repository-name "$repository" --image-ids "imageTag=$1" \
    --query 'imageDetails[0].imageDigest' --output text 2>/dev/null || true
}

digest="$(digest_of "$tag")"
if [ -n "$digest" ] && [ "$digest" != "None" ]; then
  info "${repository_url}:${tag} is already in the repository; not building it again" >&2
else
  info "logging in to ${registry}" >&2
  aws ecr get-login-password --region "$region" | docker login --username AWS --password-stdin "$registry" >&2
  info "building ${platform} and pushing ${repository_url}:${tag}" >&2
  # --provenance=false: Lambda takes a plain image manifest, not the attestation index buildx adds.
  docker buildx build --platform "$platform" --provenance=false --sbom=false \
    --tag "${repository_url}:${tag}" --push "$REPO_ROOT" >&2
  digest="$(digest_of "$tag")"
  if [ -z "$digest" ] || [ "$digest" = "None" ]; then
    die "the push of ${repository_url}:${tag} did not reach the repository" "check the docker output above"
  fi
fi

printf '%s@%s\n' "$repository_url" "$digest"
