# syntax=docker/dockerfile:1
# The thumbnail function as a Lambda container image, for linux/amd64 and linux/arm64:
#   docker buildx build --platform linux/arm64 -t thumbnailer .
ARG LAMBDA_BASE_IMAGE=public.ecr.aws/lambda/nodejs:22

# 1. Bundle the handler. esbuild emits platform-neutral JavaScript, so this runs on the builder's own
#    platform (no emulation) whatever the target.
FROM --platform=$BUILDPLATFORM ${LAMBDA_BASE_IMAGE} AS bundle
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts/build.mjs ./scripts/
COPY src ./src
RUN npm run build:lambda

# 2. The dependencies that are not bundled: sharp (native libvips) and libheif-js (libheif and libde265 in
#    WebAssembly, for HEIC input: LGPL, so shipped as its own replaceable files, and loaded only when a HEIC
#    arrives). Installed on the *target* platform so npm picks sharp's prebuilt binaries for it natively
#    (npm's --cpu/--os cross-install has dropped them in some npm versions), at the exact versions the
#    lockfile pins, with nothing else beside them. npm 10 also installs what only other platforms' packages
#    need (sharp's WebAssembly build, ~9 MB), which `npm ls` then calls extraneous:
#    scripts/removeExtraneous.mjs removes it, and `npm ls` checks the result.
FROM ${LAMBDA_BASE_IMAGE} AS native
WORKDIR /native
COPY package-lock.json scripts/removeExtraneous.mjs ./
RUN locked() { node -p "require('./package-lock.json').packages['node_modules/$1'].version"; } \
 && SHARP_VERSION="$(locked sharp)" LIBHEIF_VERSION="$(locked libheif-js)" \
 && echo '{"private":true}' > package.json \
 && npm install --omit=dev --no-audit --no-fund --no-package-lock \
      "sharp@${SHARP_VERSION}" "libheif-js@${LIBHEIF_VERSION}" \
 && npm ls --all --parseable --long | node removeExtraneous.mjs \
 && npm ls --all >/dev/null \
 && node -e "require('sharp'); require('libheif-js/libheif-wasm/libheif-bundle.js')"

# 3. The runtime image: the bundle, sharp and libheif-js, nothing else.
FROM ${LAMBDA_BASE_IMAGE}
COPY --from=bundle /build/dist/lambda/index.js ${LAMBDA_TASK_ROOT}/
COPY --from=native /native/node_modules ${LAMBDA_TASK_ROOT}/node_modules
# glibc keeps freed image buffers in per-thread arenas: these settings took peak RSS through a burst of
# varied images from ~300 MB to ~190 MB at no measurable cost (npm run bench; src/tools/bench/lambdaEnvironment.ts).
ENV MALLOC_ARENA_MAX=2 \
    MALLOC_TRIM_THRESHOLD_=131072 \
    POWERTOOLS_SERVICE_NAME=thumbnailer \
    POWERTOOLS_METRICS_NAMESPACE=Thumbnailer
CMD ["index.handler"]
