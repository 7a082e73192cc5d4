#!/bin/bash
# Pins an environment's machine image: writes the AMI ID of Canonical's current Ubuntu 24.04 LTS
# build for the environment's region and architecture (machineImage.architecture: x86_64, the
# default, or arm64 for Graviton) into environments/ENV.yaml. Nothing else ever moves the image,
# so no new build replaces instances behind your back. Needs AWS credentials (read-only calls), jq,
# and the .NET SDK: the app reads the file first (scripts/lab-config.sh), so a file the synth refuses
# is refused here too, before anything is asked or written.
#
#   scripts/pin-image.sh dev     then: git diff, npx cdk diff -c env=dev, commit, deploy
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/lab-config.sh
. "$here/lab-config.sh"

env=${1:-}
if [ -z "$env" ]; then
  names=()
  for f in "$here"/../environments/*.yaml; do names+=("$(basename "$f" .yaml)"); done
  echo "usage: scripts/pin-image.sh ENVIRONMENT   (one of: ${names[*]})" >&2
  exit 2
fi
if [ ! -f "$here/../environments/$env.yaml" ]; then
  echo "pin-image: no environments/$env.yaml" >&2
  exit 1
fi

lab_require_aws pin-image
lab_config pin-image "$env"
file=$(lab_value .file)
region=$(lab_value .region)
architecture=$(lab_value .machineImage.architecture)
# Canonical's names for the app's two architectures.
case "$architecture" in
  x86_64) ubuntu_arch=amd64 ;;
  arm64) ubuntu_arch=arm64 ;;
  *) echo "pin-image: machineImage.architecture '$architecture' has no Canonical image name here (x86_64, arm64)" >&2; exit 1 ;;
esac
parameter=/aws/service/canonical/ubuntu/server/24.04/stable/current/$ubuntu_arch/hvm/ebs-gp3/ami-id
ami=$(aws ssm get-parameter --region "$region" --name "$parameter" --query Parameter.Value --output text)
name=$(aws ec2 describe-images --region "$region" --image-ids "$ami" --query 'Images[0].Name' --output text)
if ! [[ "$ami" =~ ^ami-[0-9a-f]{8,17}$ ]]; then
  echo "pin-image: unexpected answer for $parameter in $region: '$ami'" >&2
  exit 1
fi

# Rewrite the machineImage section only: amiId and name, keeping everything else of the file.
awk -v ami="$ami" -v name="$name" '
  /^[^[:space:]#]/ { in_image = ($0 ~ /^machineImage:/) }
  in_image && /^[[:space:]]+name:/ { next }
  in_image && /^[[:space:]]+amiId:/ {
    match($0, /^[[:space:]]+/); indent = substr($0, 1, RLENGTH)
    print indent "amiId: " ami
    print indent "name: " name
    done = 1; next
  }
  { print }
  END { if (!done) exit 3 }
' "$file" > "$file.tmp" || { rm -f "$file.tmp"; echo "pin-image: environments/$env.yaml has no machineImage.amiId line" >&2; exit 1; }
mv "$file.tmp" "$file"
echo "pinned environments/$env.yaml to $ami ($name, $ubuntu_arch) in $region"
echo "next: npx cdk diff -c env=$env (every instance will be replaced), commit, deploy"
