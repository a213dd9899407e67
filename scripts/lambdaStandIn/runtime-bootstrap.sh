#!/bin/sh
# /var/runtime/bootstrap in the stand-in base image: starts the runtime interface client (aws-lambda-ric) on
# Node 22 with the settings Lambda's nodejs22.x runtime uses: its module search path, its execution
# environment name, and V8 heap limits derived from the function's memory.
export AWS_EXECUTION_ENV=AWS_Lambda_nodejs22.x
if [ -z "${NODE_PATH:-}" ]; then
  export NODE_PATH=/opt/nodejs/node22/node_modules:/opt/nodejs/node_modules:/var/runtime/node_modules:/var/runtime:/var/task
fi
if [ -n "${AWS_LAMBDA_FUNCTION_MEMORY_SIZE:-}" ]; then
  new_space=$((AWS_LAMBDA_FUNCTION_MEMORY_SIZE / 10))
  set -- "--max-semi-space-size=$((new_space / 2))" "--max-old-space-size=$((AWS_LAMBDA_FUNCTION_MEMORY_SIZE - new_space))"
fi
exec /var/lang/bin/node --expose-gc --max-http-header-size=81920 "$@" /var/runtime/index.mjs
