skill.skill "par-ops" {
  par.graph "Workflow" work 9 critical 5 at 3:1 to 12:40 {
    %0, %1 = par.ilp "independent reads" {
      %2 = par.task "1" gather reads ["file:data/a.csv"] writes ["value:found.1"] at 3:1 to 3:20
      %3 = par.task "2" gather reads ["file:data/b.csv", "glob:logs/*.log"] writes ["value:found.2"] at 4:1 to 4:20
      par.join %2, %3
    }
    %4 = par.task "3" reason after(%0 "raw value:found.1", %1 "context") reads ["dir:.", "effect:*", "value:*"] writes ["value:found.3"] at 5:1 to 5:25
    %5 = par.dlp "one operation per item" over "each file in `in/`" items 3 {
      %6 = par.task "4" act after(%4 "order then") reads ["glob:in/*.png"] writes ["glob:out/*.png"] over "each file in `in/`" items 3 at 6:1 to 6:30
      par.join %6
    }
    %7 = par.dlp "one operation per item" over "*.md" {
      %8 = par.task "5" act after(%5 "ref step 4") reads ["glob:*.md"] writes ["file:index.md"] over "*.md" at 7:1 to 7:12
      par.join %8
    }
    %9, %10 = par.tlp "independent chains" attributes {branches = 2 : i64} (
    {
      %11 = par.task "6" act after(%7 "waw file:index.md") writes ["file:x.md"] at 8:1 to 8:10
      %12 = par.task "7" act after(%11 "raw file:x.md") reads ["file:x.md"] writes ["file:y.md"] at 9:1 to 9:10
      par.join %12
    },
    {
      %13 = par.task "8" unknown reads ["dir:."] writes ["effect:git"] attributes {note = "kept"}
      par.join %13
    })
    %14 = par.task "9" control after(%9 "order finally", %10 "order finally") reads ["value:*"] writes ["dir:."] at 12:1 to 12:40
  }
  par.graph "No steps" at 14:1 to 14:9
}
