#!/bin/sh
# The stand-in base image's ENTRYPOINT, as in Lambda's own images: the image's CMD is the handler name,
# exported as _HANDLER for the runtime interface client. Lambda's images fall back to their runtime interface
# emulator when AWS_LAMBDA_RUNTIME_API is unset; the stand-in has none (the tests bring their own Runtime API).
if [ $# -ne 1 ]; then
  echo "entrypoint requires the handler name to be the first argument" >&2
  exit 142
fi
export _HANDLER="$1"
if [ -z "${AWS_LAMBDA_RUNTIME_API:-}" ]; then
  echo "AWS_LAMBDA_RUNTIME_API is not set: the stand-in base image has no runtime interface emulator" >&2
  exit 1
fi
exec /var/runtime/bootstrap
