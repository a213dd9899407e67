#!/usr/bin/env bash
# Backfill in AWS: npm run backfill with the function and the job role read from the lambda stack's
# outputs, so that a job runs exactly what scripts/bootstrap.sh deployed. Every option is npm run
# backfill's (scripts/backfill.sh --help lists them); --endpoint runs it here and needs no stack.
set -Eeuo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

BACKFILL="${REPO_ROOT}/dist/backfill/main.js"

# check_flags ARGS...: the command's own checks (did-you-mean included), before any tool runs; a bad
# flag changes nothing and exits with 2. The stacks' values are stood in for, since none is read yet.
check_flags() {
  local problem
  if ! problem="$(LAMBDA_FUNCTION_NAME=placeholder BACKFILL_ROLE_ARN=arn:aws:iam::000000000000:role/placeholder \
    node "$BACKFILL" --check-flags "$@" 2>&1 >/dev/null)"; then
    problem="${problem%%$'\n'*}"
    refuse "${problem#backfill: }" "scripts/backfill.sh --help"
  fi
}

require_node_modules
(cd "$REPO_ROOT" && node scripts/build.mjs tools)
check_flags "$@"
case " $* " in
  *" -h "* | *" --help "*) exec node "$BACKFILL" --help ;;
  *" --endpoint"*) exec node --enable-source-maps "$BACKFILL" "$@" ;;
esac

require_tools terraform
function_name="$(tf_output lambda function_name)"
role_arn="$(tf_output lambda backfill_role_arn)"
if [ -z "$function_name" ] || [ -z "$role_arn" ]; then
  refuse "the lambda stack has no function_name or backfill_role_arn output" \
    "deploy it first (scripts/bootstrap.sh, or terraform -chdir=terraform/lambda apply)"
fi
LAMBDA_FUNCTION_NAME="$function_name" BACKFILL_ROLE_ARN="$role_arn" \
  exec node --enable-source-maps "$BACKFILL" "$@"
