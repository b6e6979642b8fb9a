skill.skill "target-ops" {
  target.harness "claude-code" model "openai/gpt-5.4" injection "folder" folder ".claude/skills/target-ops" profile "bare-agent__openai--gpt-5.4.json" borrowed "bare-agent"
  target.harness "bare" injection "system-prompt"
  target.harness "codex" model "openai/gpt-5.4" injection "instructions-file" folder ".agents/skills/target-ops" at 3:1 to 3:20
  target.file "scripts/extract.py" kind "bundled"
  target.file "references/style guide/\"quoted\".md" kind "bundled" at 5:1 to 5:30
  target.file "env-setup.sh" kind "env-setup"
  target.file "plan.json" kind "plan" attributes {note = "kept"}
}
