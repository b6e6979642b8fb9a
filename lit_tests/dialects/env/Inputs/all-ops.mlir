skill.skill "env-ops" {
  env.dep "pip" "pypdf" version ">=4" at 12:1 to 12:12 {
    env.check "python3 -c 'import pypdf'"
    env.install "python3 -m pip install 'pypdf>=4'"
  }
  env.dep "binary" "pdftotext" package "poppler-utils" file "scripts/extract.sh" at 3:1 to 3:9
  env.dep "system" "ffmpeg" manager "brew" provides "ffmpeg" at 5:15 to 5:15 {
    env.check "command -v -- ffmpeg >/dev/null 2>&1"
  }
  env.dep "npm" "@scope/tool" version "^1.2.0" attributes {note = "kept"}
  env.dep "env" "OPENAI_API_KEY" {
    env.check "[ -n \"${OPENAI_API_KEY:-}\" ]"
  }
  env.dep "service" "localhost:5432"
  env.dep "tool" "web_fetch"
}
