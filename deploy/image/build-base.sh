#!/usr/bin/env bash
# Builds meshpulse's base image from Debian packages, without a container engine or registry:
# glibc, libstdc++ (RocksDB's and Snappy's native code need it), zlib, Debian's OpenJDK 17 JRE (headless)
# and Mozilla's CA certificates, unpacked with dpkg-deb into one layer, written as a `docker save`
# archive that Jib uses as its base (from.image = tar://...).
#
#   build-base.sh OUTDIR            newest versions in the configured Debian suites (security updates
#                                   included); OUTDIR/base-packages.lock records what was used
#   build-base.sh OUTDIR LOCKFILE   exactly the versions of LOCKFILE (a reproducible rebuild); fails when
#                                   the archive no longer serves one of them
#
# Packages come through apt, so they are verified against Debian's signed archive metadata; their
# SHA-256 is recorded in the lock file. The layer is built deterministically (sorted names, fixed times,
# root ownership), so the same packages give the same layer digest.
set -euo pipefail
out="$(mkdir -p "$1" && cd "$1" && pwd)"
lock="${2:-}"
here="$(cd "$(dirname "$0")" && pwd)"
packages=(libc6 libgcc-s1 libstdc++6 zlib1g openjdk-17-jre-headless ca-certificates)
jre=/usr/lib/jvm/java-17-openjdk-amd64

if ! apt-cache show openjdk-17-jre-headless >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then apt-get update -qq; else echo "build-base: run 'apt-get update' first" >&2; exit 1; fi
fi

rm -rf "$out/debs" "$out/rootfs" "$out/image"
mkdir -p "$out/debs" "$out/rootfs" "$out/image"
chmod 0777 "$out/debs" # apt-get download drops privileges to _apt when it can
specs=()
for p in "${packages[@]}"; do
  if [ -n "$lock" ]; then
    v="$(awk -v p="$p" '$1 == p { print $2 }' "$lock")"
    [ -n "$v" ] || { echo "build-base: $p is not in $lock" >&2; exit 1; }
  else
    v="$(apt-cache policy "$p" | awk '/Candidate:/ { print $2 }')"
  fi
  specs+=("$p=$v")
done
download() { (cd "$out/debs" && apt-get download -q "$@" 2>&1 | grep -v "^W: Download is performed unsandboxed"; exit "${PIPESTATUS[0]}"); }
if ! download "${specs[@]}"; then
  # Package lists older than the archive name versions it no longer serves: refresh once and retry.
  if [ -z "$lock" ] && [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    specs=(); for p in "${packages[@]}"; do specs+=("$p=$(apt-cache policy "$p" | awk '/Candidate:/ { print $2 }')"); done
    download "${specs[@]}"
  else
    echo "build-base: apt-get download ${specs[*]} failed" >&2; exit 1
  fi
fi
: > "$out/base-packages.lock"
for spec in "${specs[@]}"; do
  p="${spec%%=*}"; v="${spec#*=}"
  deb="$(ls "$out/debs/${p}_"*.deb 2>/dev/null | head -1 || true)"
  [ -n "$deb" ] || { echo "build-base: could not download $spec" >&2; exit 1; }
  echo "$p $v $(sha256sum "$deb" | cut -d' ' -f1)" >> "$out/base-packages.lock"
  dpkg-deb -x "$deb" "$out/rootfs"
done
if [ -n "$lock" ] && ! diff -q <(awk '{print $1, $2, $3}' "$lock" | sort) <(sort "$out/base-packages.lock") >/dev/null; then
  echo "build-base: downloaded packages differ from $lock:" >&2
  diff <(awk '{print $1, $2, $3}' "$lock" | sort) <(sort "$out/base-packages.lock") >&2 || true
  exit 1
fi

r="$out/rootfs"
# What the packages' maintainer scripts would have done: the JRE's cacerts (ca-certificates-java builds it
# with a JVM at install time; here the build's JVM does it from the same Mozilla bundle).
mkdir -p "$r/etc/ssl/certs/java"
java "$here/CaCerts.java" "$r/usr/share/ca-certificates/mozilla" "$r/etc/ssl/certs/java/cacerts"
# Mount points the runtime fills (the JVM's launcher finds itself through /proc/self/exe).
# A non-root user for the topology pods (runAsUser 65532), and a world-writable /tmp for unpacked natives.
mkdir -p "$r/tmp" "$r/home/nonroot" "$r/etc" "$r/proc" "$r/sys" "$r/dev"
chmod 1777 "$r/tmp"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > "$r/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' > "$r/etc/group"
cp "$out/base-packages.lock" "$r/etc/meshpulse-base-packages.lock"
# Documentation, manuals and locales are not needed at run time.
rm -rf "$r/usr/share/doc" "$r/usr/share/man" "$r/usr/share/lintian" "$r/usr/share/locale"

tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
  -C "$r" -cf "$out/image/layer.tar" .
diff_id="sha256:$(sha256sum "$out/image/layer.tar" | cut -d' ' -f1)"
cat > "$out/image/config.json" <<JSON
{"architecture":"amd64","os":"linux","created":"1970-01-01T00:00:00Z",
 "config":{"Env":["PATH=$jre/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","JAVA_HOME=$jre","LANG=C.UTF-8"],
           "User":"65532:65532","WorkingDir":"/home/nonroot"},
 "rootfs":{"type":"layers","diff_ids":["$diff_id"]},
 "history":[{"created":"1970-01-01T00:00:00Z","created_by":"deploy/image/build-base.sh: $(awk '{printf "%s=%s ", $1, $2}' "$out/base-packages.lock")"}]}
JSON
printf '[{"Config":"config.json","RepoTags":["meshpulse-base:local"],"Layers":["layer.tar"]}]\n' > "$out/image/manifest.json"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$out/image" -cf "$out/meshpulse-base.tar" manifest.json config.json layer.tar
echo "build-base: $out/meshpulse-base.tar, layer $diff_id ($(du -h "$out/image/layer.tar" | cut -f1))"
rm -rf "$out/rootfs" "$out/image" "$out/debs"
