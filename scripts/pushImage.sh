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
while [ $# -gt 0 ]; do
  case "$1" in
    --repository-url) repository_url="${2:?--repository-url needs a value}"; shift 2 ;;
    --architecture) architecture="${2:?--architecture needs a value}"; shift 2 ;;
    --tag) tag="${2:?--tag needs a value}"; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown option: $1" "see scripts/pushImage.sh --help" ;;
  esac
done

require_tools aws docker git
require_buildx
# The defaults come from the stacks' outputs; with both given (as in CI), Terraform is not needed.
if [ -z "$repository_url" ] || [ -z "$architecture" ]; then
  require_tools terraform
fi

repository_url="${repository_url:-$(tf_output dependencies ecr_repository_url)}"
[ -n "$repository_url" ] || die "no repository: the dependencies stack has no ecr_repository_url output" \
  "apply terraform/dependencies first (scripts/bootstrap.sh does), or pass --repository-url"
architecture="${architecture:-$(tf_output lambda architecture)}"
architecture="${architecture:-arm64}"
case "$architecture" in
  arm64 | x86_64) ;;
  *) die "unknown architecture: ${architecture}" "use arm64 or x86_64" ;;
esac
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
use_region

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
