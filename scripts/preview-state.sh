# shellcheck shell=bash
# Sourced by preview.sh: how the working tree stands against a commit, which decides what the preview
# must build. Run in the repository.
#
#   app_state COMMIT   prints one word:
#     unchanged      every tracked file as committed, no untracked file, and no ignored file that
#                    the build reads: in converge/ (the app embeds its files) beyond bytecode and
#                    its tests, or in Infra/ beyond its bin/ and obj/ (MSBuild compiles any .cs there)
#     environments   the same, except environment files (environments/: changed, added, removed)
#     changed        anything else: the app itself may differ from the commit's
app_state() {
  local commit=$1
  if [ -n "$(git ls-files --others --ignored --exclude-standard -- converge Infra | grep -v -E '^converge/(.*/)?__pycache__/|^converge/.*\.pyc$|^converge/tests/|^Infra/(bin|obj)/' || true)" ] ||
     ! git diff --quiet "$commit" -- . ':(exclude)environments' ||
     [ -n "$(git ls-files --others --exclude-standard -- . ':(exclude)environments')" ]; then
    echo changed
  elif git diff --quiet "$commit" -- environments && [ -z "$(git ls-files --others --exclude-standard -- environments)" ]; then
    echo unchanged
  else
    echo environments
  fi
}
