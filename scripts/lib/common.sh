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
  exit "${3:-1}"
}

# refuse MESSAGE [HINT]: stops before anything was changed (a bad argument or setting, a missing tool,
# no credentials), with exit code 2, so that callers can tell "refused" from "failed part-way".
refuse() {
  die "$1" "${2:-see scripts/$(basename "$0") --help}" 2
}

# shown VALUE: a value as it is safe to print, quoted so that its end and any odd character show.
shown() { printf '%q' "$1"; }

SEEN_OPTIONS=" "

# option_once OPTION: refuses an option given twice (which of the two was meant?).
option_once() {
  case "$SEEN_OPTIONS" in
    *" $1 "*) refuse "$1 is given more than once" ;;
  esac
  SEEN_OPTIONS+="$1 "
}

# option_value OPTION VALUE: refuses an option whose value is missing or is the next option.
option_value() {
  option_once "$1"
  if [ -z "${2:-}" ] || [[ "$2" == -* ]]; then
    refuse "$1 needs a value"
  fi
}

# The checks below take the same values the Terraform variables accept, so that a value either stack
# would refuse is refused before the first stack is applied.

# check_architecture VALUE FROM
check_architecture() {
  case "$1" in
    arm64 | x86_64) ;;
    *) refuse "the architecture must be arm64 or x86_64, not $(shown "$1") (from $2)" ;;
  esac
}

# check_region VALUE FROM
check_region() {
  [[ "$1" =~ ^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]$ ]] ||
    refuse "$(shown "$1") (from $2) is not an AWS region name such as us-east-1" \
      "set AWS_REGION to the region to use, and run this again"
}

# check_github_repo VALUE FROM
check_github_repo() {
  [[ "$1" =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$ ]] ||
    refuse "the GitHub repository must look like owner/name, not $(shown "$1") (from $2)"
}

# The GitHub options bootstrap.sh and destroyAll.sh share, and the repository secrets the first sets
# (.github/workflows/deploy.yml reads them) and the second deletes.
# shellcheck disable=SC2034 # read by the scripts that source this file
ASSUME_YES=false
github=true
github_repo=""
# shellcheck disable=SC2034 # read by the scripts that source this file
GITHUB_SECRETS=(ECR_REPOSITORY AWS_REGION LAMBDA_FUNCTION_NAME AWS_DEPLOY_ROLE_ARN)

# shared_option ARGS...: takes one of the shared options off the front of ARGS (--yes, --github-repo
# <owner/name>, --no-github); sets TAKEN to how many arguments it used, 0 when $1 is none of them.
# shellcheck disable=SC2034 # TAKEN is read by the scripts that source this file
shared_option() {
  TAKEN=0
  case "$1" in
    --yes) option_once "$1"; ASSUME_YES=true; TAKEN=1 ;;
    --github-repo=*) shared_option "${1%%=*}" "${1#*=}"; TAKEN=1 ;;
    --github-repo) option_value "$1" "${2:-}"; check_github_repo "$2" "$1"; github_repo="$2"; TAKEN=2 ;;
    --no-github) option_once "$1"; github=false; TAKEN=1 ;;
  esac
}

# read_options HANDLER... -- ARGS...: reads every argument before any tool runs, so that a bad one
# changes nothing and exits with 2. Each HANDLER (shared_option, or the script's own) takes one option off
# the front of the arguments it is given and sets TAKEN to how many it used, 0 when $1 is not its own; a
# handler reads `--name=value` by calling itself with "--name" "value". -h and --help print the script's
# usage; anything no handler takes is refused.
read_options() {
  local handlers=() handler
  while [ "$1" != -- ]; do
    handlers+=("$1")
    shift
  done
  shift
  while [ $# -gt 0 ]; do
    TAKEN=0
    for handler in "${handlers[@]}"; do
      "$handler" "$@"
      [ "$TAKEN" -eq 0 ] || break
    done
    if [ "$TAKEN" -eq 0 ]; then
      case "$1" in
        -h | --help) usage; exit 0 ;;
        -*) refuse "unknown option: $(shown "$1")" ;;
        *) refuse "unexpected argument: $(shown "$1") (this script takes only options)" ;;
      esac
    fi
    shift "$TAKEN"
  done
}

# check_shared_options: what the shared options cannot say together, once all are read.
check_shared_options() {
  if [ "$github" = false ] && [ -n "$github_repo" ]; then
    refuse "--github-repo and --no-github contradict each other: pass one of them"
  fi
}

ECR_REPOSITORY_URL='^[0-9]{12}\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?/[a-z0-9]+([._/-][a-z0-9]+)*$'

# check_repository_url VALUE FROM: an ECR repository URL, as the lambda stack's image_uri requires.
check_repository_url() {
  [[ "$1" =~ $ECR_REPOSITORY_URL ]] ||
    refuse "the repository URL must be an ECR repository such as 123456789012.dkr.ecr.us-east-1.amazonaws.com/thumbnailer, not $(shown "$1") (from $2)"
}

# check_repository_region URL FROM: the repository is in the region in use, where its ECR calls go.
check_repository_region() {
  check_repository_url "$1" "$2"
  [ "${BASH_REMATCH[1]}" = "$region" ] ||
    refuse "the repository $(shown "$1") (from $2) is in ${BASH_REMATCH[1]}, but the region in use is ${region}" \
      "set AWS_REGION=${BASH_REMATCH[1]}, or name a repository in ${region}"
}

# check_tag VALUE FROM: what Docker and ECR accept as a tag.
check_tag() {
  [[ "$1" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] ||
    refuse "an image tag is 1 to 128 letters, digits, _ . or - (not starting with . or -), not $(shown "$1") (from $2)"
}

# check_environment: the variables the scripts and the tools they run read, before any is used.
check_environment() {
  if [ -n "${AWS_ENDPOINT_URL:-}" ] && ! [[ "$AWS_ENDPOINT_URL" =~ ^https?://[^[:space:]/]+(/[^[:space:]]*)?$ ]]; then
    refuse "AWS_ENDPOINT_URL must be an http:// or https:// URL, not $(shown "$AWS_ENDPOINT_URL")" \
      "unset it to use AWS, or set it to an emulator's URL such as http://127.0.0.1:5000"
  fi
  if [ -n "${AWS_CA_BUNDLE:-}" ] && ! { [ -f "$AWS_CA_BUNDLE" ] && [ -r "$AWS_CA_BUNDLE" ]; }; then
    refuse "AWS_CA_BUNDLE names no readable file: $(shown "$AWS_CA_BUNDLE")" "unset it, or point it at a PEM certificate bundle"
  fi
  if [ -n "${TF_PLUGIN_DIR:-}" ] && ! [ -d "$TF_PLUGIN_DIR" ]; then
    refuse "TF_PLUGIN_DIR names no folder: $(shown "$TF_PLUGIN_DIR")" "unset it to let Terraform install providers, or point it at a provider mirror"
  fi
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
    refuse "missing required tools: ${missing[*]}" "install them (see docs/deploying.md#prerequisites) and run this again"
  fi
}

require_buildx() {
  docker buildx version >/dev/null 2>&1 ||
    refuse "docker is installed but its buildx plugin is not" "install Docker Buildx (https://docs.docker.com/build/install-buildx/)"
}

# npm run deploy's dependencies: installed by `npm ci`.
require_node_modules() {
  [ -d "${REPO_ROOT}/node_modules/@aws-sdk/client-lambda" ] ||
    refuse "the project's Node.js dependencies are not installed" "run npm ci in ${REPO_ROOT}, then run this again"
}

# run_deploy ARGS...: npm run deploy (src/tools/deploy), built first so that it is the checked-out code's.
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
    refuse "confirmation needed, and there is no terminal to ask on" "run again with --yes"
  fi
  local answer
  read -r -p "$1 [y/N] " answer
  case "$answer" in
    y | Y | yes | YES) return 0 ;;
    *) die "cancelled; nothing was changed" ;;
  esac
}

# Sets `region` (and `region_from`, where it came from): AWS_REGION, AWS_DEFAULT_REGION, the CLI
# profile's, or shared.tfvars'.
resolve_region() {
  region="${AWS_REGION:-}"
  region_from=AWS_REGION
  if [ -z "$region" ]; then
    region="${AWS_DEFAULT_REGION:-}"
    region_from=AWS_DEFAULT_REGION
  fi
  if [ -z "$region" ]; then
    region="$(aws configure get region 2>/dev/null || true)"
    region_from="the AWS CLI profile"
  fi
  if [ -z "$region" ]; then
    region="$(sed -n 's/^aws_region *= *"\(.*\)"/\1/p' "$SHARED_TFVARS")"
    region_from=terraform/shared.tfvars
  fi
}

# Sets `region`, refusing a missing or malformed one, and exports it under both names: the AWS CLI v1
# reads only AWS_DEFAULT_REGION.
use_region() {
  resolve_region
  [ -n "$region" ] || refuse "no AWS region" "set AWS_REGION"
  check_region "$region" "$region_from"
  export AWS_REGION="$region" AWS_DEFAULT_REGION="$region"
}

# Sets `account`, or refuses saying why credentials are missing or refused, in the AWS CLI's words.
require_credentials() {
  local errors said
  errors="$(mktemp)"
  account="$(aws sts get-caller-identity --query Account --output text 2>"$errors")" || account=""
  said="$(grep -v '^[[:space:]]*$' "$errors" | tail -n 1 || true)"
  rm -f "$errors"
  if ! [[ "$account" =~ ^[0-9]{12}$ ]]; then
    refuse "no usable AWS credentials: aws sts get-caller-identity ${said:+said: }${said:-failed}" \
      "configure credentials (aws configure, AWS_PROFILE, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) and run this again"
  fi
}

# An image URI the lambda stack's image_uri accepts, standing for one not built yet (to check the stack's
# variables) or no longer needed (to destroy it: destroying uses only what the state records).
placeholder_image_uri() {
  printf '%s.dkr.ecr.%s.amazonaws.com/placeholder@sha256:%064d' "$account" "$region" 0
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

# check_stack_variables STACK ARGS...: refuses, before anything is applied, any value the stack's
# variables would reject, from wherever Terraform would read it (shared.tfvars and the ARGS, the
# stack's terraform.tfvars and *.auto.tfvars, TF_VAR_*). Terraform checks a stack's variables only when
# it plans that stack, so a bad value for the second stack used to surface after the first was applied.
# Planning the variables alone, in a scratch folder, needs neither providers nor credentials.
check_stack_variables() {
  local stack="$1" scratch file output problems
  shift
  scratch="$(mktemp -d)"
  cp "${TERRAFORM_DIR}/${stack}/variables.tf" "$scratch/"
  for file in "${TERRAFORM_DIR}/${stack}"/terraform.tfvars "${TERRAFORM_DIR}/${stack}"/*.auto.tfvars \
    "${TERRAFORM_DIR}/${stack}"/terraform.tfvars.json "${TERRAFORM_DIR}/${stack}"/*.auto.tfvars.json; do
    if [ -f "$file" ]; then cp "$file" "$scratch/"; fi
  done
  if output="$(terraform -chdir="$scratch" plan -input=false -no-color -lock=false "$@" 2>&1)"; then
    rm -rf "$scratch"
    return 0
  fi
  rm -rf "$scratch"
  problems="$(tf_variable_problems "$stack" <<<"$output")"
  refuse "terraform/${stack} would refuse these settings:"$'\n'"${problems:-${output}}" \
    "correct them (in terraform/shared.tfvars, terraform/${stack}/*.tfvars, TF_VAR_* or this script's options) and run this again"
}

# Terraform's variable errors (on stdin), one line each: where the value came from, and what is wrong.
tf_variable_problems() {
  awk -v stack="$1" -v shared="$SHARED_TFVARS" '
    function flush() {
      if (message != "") print "  " (where == "" ? "" : where ": ") message
      message = ""; where = ""; separator = ""
    }
    /^Error: / { flush(); inside = 1; next }
    !inside || /^This was checked/ || /^ +[0-9]+: / || /├/ { next }
    /^  on .* line [0-9]+/ {
      where = $0; sub(/^  on /, "", where); sub(/ line [0-9]+.*$/, "", where)
      if (where == shared) where = "terraform/shared.tfvars"
      else if (where == "variables.tf") where = ""
      else where = "terraform/" stack "/" where
      next
    }
    /│/ { sub(/^ *│ */, ""); message = $0; separator = ": "; next }
    NF > 0 { message = message separator $0; separator = " " }
    END { flush() }'
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
