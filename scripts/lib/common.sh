# shellcheck shell=bash
# Shared by scripts/*.sh: numbered, timed steps that say what to do when one fails; preflight checks;
# confirmation; Terraform and AWS helpers. Sourced, never run.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TERRAFORM_DIR="${REPO_ROOT}/terraform"
SHARED_TFVARS="${TERRAFORM_DIR}/shared.tfvars"

STEP_NUMBER=0
STEP_TOTAL=0
STEP_NAME=""
STEP_HINT=""
STEP_STARTED=0

bold() { if [ -t 1 ]; then printf '\033[1m%s\033[0m' "$*"; else printf '%s' "$*"; fi; }
info() { printf '    %s\n' "$*"; }
warn() { printf '    warning: %s\n' "$*" >&2; }

# die MESSAGE [HINT]: stops with a message naming the cause, and what to do about it.
die() {
  printf '\nerror: %s\n' "$1" >&2
  if [ -n "${2:-}" ]; then
    printf 'next:  %s\n' "$2" >&2
  fi
  exit 1
}

finish_step() {
  if [ "$STEP_NUMBER" -gt 0 ]; then
    info "done in $((SECONDS - STEP_STARTED))s"
  fi
}

# step NAME HINT: starts the next numbered step; HINT is what to do if it fails.
step() {
  finish_step
  STEP_NUMBER=$((STEP_NUMBER + 1))
  STEP_NAME="$1"
  STEP_HINT="${2:-}"
  STEP_STARTED=$SECONDS
  printf '\n%s\n' "$(bold "==> [${STEP_NUMBER}/${STEP_TOTAL}] ${STEP_NAME}")"
}

on_error() {
  local code=$?
  # The trap is inherited by $(...) subshells (set -E): report once, from the script itself.
  if [ "$BASHPID" != "$$" ]; then
    exit "$code"
  fi
  trap - ERR
  printf '\nerror: step %s/%s (%s) failed after %ss (exit code %s).\n' \
    "$STEP_NUMBER" "$STEP_TOTAL" "$STEP_NAME" "$((SECONDS - STEP_STARTED))" "$code" >&2
  if [ -n "$STEP_HINT" ]; then
    printf 'next:  %s\n' "$STEP_HINT" >&2
  fi
  exit "$code"
}

# steps TOTAL: declares how many steps the script has and installs the failure report.
steps() {
  STEP_TOTAL="$1"
  trap on_error ERR
}

# require_tools TOOL...: fails naming every missing tool at once.
require_tools() {
  local missing=()
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    die "missing required tools: ${missing[*]}" "install them (see the README's Prerequisites) and run this again"
  fi
}

require_buildx() {
  docker buildx version >/dev/null 2>&1 ||
    die "docker is installed but its buildx plugin is not" "install Docker Buildx (https://docs.docker.com/build/install-buildx/)"
}

# npm run deploy's dependencies: installed by `npm ci`.
require_node_modules() {
  [ -d "${REPO_ROOT}/node_modules/@aws-sdk/client-lambda" ] ||
    die "the project's Node.js dependencies are not installed" "run npm ci in ${REPO_ROOT}, then run this again"
}

# run_deploy ARGS...: npm run deploy (src/deploy), built first so that it is the checked-out code's.
run_deploy() {
  (cd "$REPO_ROOT" && node scripts/build.mjs tools)
  # The AWS CLI trusts the certificates in AWS_CA_BUNDLE (a corporate proxy, an emulator); so must Node.
  if [ -n "${AWS_CA_BUNDLE:-}" ] && [ -z "${NODE_EXTRA_CA_CERTS:-}" ]; then
    NODE_EXTRA_CA_CERTS="$AWS_CA_BUNDLE" node --enable-source-maps "${REPO_ROOT}/dist/deploy/main.js" "$@"
  else
    node --enable-source-maps "${REPO_ROOT}/dist/deploy/main.js" "$@"
  fi
}

# confirm QUESTION: asks unless ASSUME_YES is set; refuses to guess without a terminal.
confirm() {
  if [ "${ASSUME_YES:-false}" = true ]; then
    return 0
  fi
  if [ ! -t 0 ]; then
    die "confirmation needed, and there is no terminal to ask on" "run again with --yes"
  fi
  local answer
  read -r -p "$1 [y/N] " answer
  case "$answer" in
    y | Y | yes | YES) return 0 ;;
    *) die "cancelled; nothing was changed" ;;
  esac
}

# The region everything uses: AWS_REGION, AWS_DEFAULT_REGION, the CLI profile's, or shared.tfvars'.
resolve_region() {
  local region="${AWS_REGION:-${AWS_DEFAULT_REGION:-}}"
  if [ -z "$region" ]; then
    region="$(aws configure get region 2>/dev/null || true)"
  fi
  if [ -z "$region" ]; then
    region="$(sed -n 's/^aws_region *= *"\(.*\)"/\1/p' "$SHARED_TFVARS")"
  fi
  printf '%s' "$region"
}

# Sets `region` and exports it under both names: the AWS CLI v1 reads only AWS_DEFAULT_REGION.
use_region() {
  region="$(resolve_region)"
  [ -n "$region" ] || die "no AWS region" "set AWS_REGION"
  export AWS_REGION="$region" AWS_DEFAULT_REGION="$region"
}

# Prints the account id, or fails saying credentials are missing or refused.
require_credentials() {
  local account
  if ! account="$(aws sts get-caller-identity --query Account --output text 2>/dev/null)" || [ -z "$account" ]; then
    die "no usable AWS credentials (aws sts get-caller-identity failed)" \
      "configure credentials (aws configure, AWS_PROFILE, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) and run this again"
  fi
  printf '%s' "$account"
}

# True when AWS_ENDPOINT_URL points somewhere other than AWS (moto, LocalStack).
is_emulator() {
  [ -n "${AWS_ENDPOINT_URL:-}" ] && [[ "$AWS_ENDPOINT_URL" != *amazonaws.com* ]]
}

describe_endpoint() {
  if is_emulator; then
    printf '%s (an emulator)' "$AWS_ENDPOINT_URL"
  else
    printf 'AWS'
  fi
}

# tf STACK ARGS...: terraform in a stack's folder; providers from TF_PLUGIN_DIR when it is set.
tf() {
  local stack="$1"
  shift
  terraform -chdir="${TERRAFORM_DIR}/${stack}" "$@"
}

tf_init() {
  local args=(init -input=false -no-color)
  if [ -n "${TF_PLUGIN_DIR:-}" ]; then
    args+=("-plugin-dir=${TF_PLUGIN_DIR}")
  fi
  tf "$1" "${args[@]}" >/dev/null
}

# tf_change STACK apply|destroy ARGS...: runs it, printing Terraform's summary line (also left in
# TF_SUMMARY), preceded by the address of each resource it changed and a note of any drift it found;
# on failure, prints everything Terraform said and fails.
tf_change() {
  local stack="$1" output
  shift
  if ! output="$(tf "$stack" "$@" -auto-approve -input=false -no-color 2>&1)"; then
    printf '%s\n' "$output" >&2
    return 1
  fi
  grep -E '^ +# \S+ (will|must) be |^ +# \S+ has (changed|been deleted)|^Note: Objects have changed' <<<"$output" |
    sed 's/^ *//' | while IFS= read -r line; do info "  ${line}"; done || true
  TF_SUMMARY="$(grep -E '^(Apply complete|Destroy complete|No changes)' <<<"$output" || true)"
  info "$TF_SUMMARY"
}

# tf_output STACK NAME: an output's raw value, empty when the stack has none.
tf_output() {
  local value
  value="$(tf "$1" output -no-color -raw "$2" 2>/dev/null)" || return 0
  # A state with no outputs at all makes Terraform print a warning on stdout, and succeed.
  case "$value" in
    *"No outputs found"*) return 0 ;;
  esac
  printf '%s' "$value"
}

# tf_resources STACK: the resources (not data sources) the stack's state holds, one per line.
tf_resources() {
  tf "$1" state list 2>/dev/null | grep -v '^data\.' || true
}
