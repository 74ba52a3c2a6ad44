#!/usr/bin/env bash
# Checks that
#
#   go install github.com/monri-community/terraform-provider-monri/internal/cmd/monri-sandbox@vX.Y.Z
#
# works for a release of this module, before the tag is pushed: it serves a
# commit of this repository (REVISION, default HEAD; uncommitted changes are
# not part of it) as version vX.Y.Z (VERSION, default 0.1.0) from a GOPROXY
# on the filesystem, runs `go install` of the sandbox at that version into a
# temporary GOBIN, and checks that `monri-sandbox -version` prints vX.Y.Z.
#
# The module's other dependencies come from the local module cache, then
# from `go env GOPROXY`. The module cache used is a temporary one, so the
# version served here never lands in (nor comes stale from) your own.
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

version="${VERSION:-0.1.0}"
version="v${version#v}"
if [[ ! "$version" =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
	echo "error: VERSION=${VERSION:-} is not a semantic version X.Y.Z (or X.Y.Z-pre, with or without a leading v)" >&2
	exit 1
fi
revision="${REVISION:-HEAD}"
if ! commit="$(git rev-parse --verify --quiet "${revision}^{commit}")"; then
	echo "error: REVISION=$revision is not a commit of this repository" >&2
	exit 1
fi
module="$(go list -m)"
pkg="$module/internal/cmd/monri-sandbox"
modcache="$(go env GOMODCACHE)"
upstream="$(go env GOPROXY)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

step "serving $module@$version (commit ${commit:0:12}) from file://$work/proxy"
if [[ "$revision" == HEAD && -n "$(git status --porcelain --untracked-files=no)" ]]; then
	echo "note: the working tree has uncommitted changes; they are not part of what is verified"
fi
# The proxy protocol's layout (go help goproxy): <escaped module>/@v/
# {list, vX.info, vX.mod, vX.zip}; an upper-case letter is escaped as !lower.
escaped="$(printf '%s' "$module" | sed 's/[A-Z]/!\L&/g')"
dir="$work/proxy/$escaped/@v"
mkdir -p "$dir"
printf '%s\n' "$version" >"$dir/list"
printf '{"Version":"%s","Time":"%s"}\n' "$version" "$(git show -s --format=%cI "$commit")" >"$dir/$version.info"
git show "$commit:go.mod" >"$dir/$version.mod"
# A module zip holds the module's files under <module>@<version>/; the go
# command checks it (paths, sizes, no nested go.mod) when it extracts it.
git archive --format=zip --prefix="$module@$version/" -o "$dir/$version.zip" "$commit"
ls -l "$dir"

step "go install $pkg@$version"
export GOBIN="$work/bin"
export GOMODCACHE="$work/modcache"
export GOPROXY="file://$work/proxy,file://$modcache/cache/download,$upstream"
# The version served here is not in the checksum database (GONOSUMDB);
# everything else is checked as for any user. GOFLAGS is only -modcacherw
# (so the temporary module cache can be removed), not -mod=mod: the
# dependencies must resolve from the module's own go.mod and go.sum, as they
# do for a user's `go install`.
export GONOSUMDB="$module" GOPRIVATE="" GONOPROXY="" GOWORK=off
export GOFLAGS="-modcacherw"
echo "GOPROXY=$GOPROXY"
go install "$pkg@$version"

step "monri-sandbox -version"
got="$("$GOBIN/monri-sandbox" -version)"
echo "$got"
if [[ "$got" != "$version" ]]; then
	echo "error: monri-sandbox -version printed '$got', want '$version' (the main module's version from runtime/debug.ReadBuildInfo)" >&2
	exit 1
fi
go version -m "$GOBIN/monri-sandbox" | sed -n '1,4p'
echo
echo "ok: go install $pkg@$version works and -version prints $version"
