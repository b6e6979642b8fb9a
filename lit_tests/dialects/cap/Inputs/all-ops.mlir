skill.skill "cap-ops" {
  cap.target "bare-agent" "qwen/qwen3.5-9b" catalog "skillir-catalog/1" source "profiles/qwen.json" levels #cap.levels<gen.code.python = 2, reason.arithmetic = 0, tool.exec = 3> recorded #cap.levels<gen.code.python = 2, reason.arithmetic = 3, tool.exec = 3>
  cap.target "claude-code" "anthropic/claude-opus-4.6" catalog "skillir-catalog/1" levels #cap.levels<> at 2:1 to 2:10
  cap.baseline frontmatter "4f2a" headings "9c1e" code "a1 b2" chars 1234 budget 30
  skill.section 1 "Report" at 5:1 to 5:9 {
    skill.code "python" "import pandas\n" at 7:1 to 9:3 {
      cap.require "gen.code.python" 3 rule "python-third-party" reason "imports pandas"
      cap.gap "gen.code.python" 3 2 "weak" at 7:1 to 9:3
      cap.compensate "degrade" "gen.code.python" detail "a note with the pandas idiom" tokens 42
    }
    skill.step 1 "Add the totals." at 11:1 to 11:16 {
      cap.require "reason.arithmetic" 2 rule "arithmetic" at 11:4 to 11:16
      cap.gap "reason.arithmetic" 2 0 "missing" uncertain at 11:4 to 11:16
      cap.compensate "substitute" "reason.arithmetic" attributes {origin = "compensate"}
      cap.compensate "eliminate" "tool.exec"
    }
  }
}
