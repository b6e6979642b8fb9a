// Build a .pptx deck from a JSON outline: tsx build.ts OUTLINE.json OUT.pptx
import { readFileSync, writeFileSync } from "node:fs";
import path from "path";
import pptxgen from "pptxgenjs";
import { parse } from "csv-parse/sync";
import { theme } from "./theme";

type Slide = {
  layout: "title" | "bullets" | "chart";
  title: string;
  subtitle?: string;
  bullets?: string[];
  chart?: { type: "line" | "bar"; data: string };
};

const [outlinePath, outPath] = process.argv.slice(2);
if (!outlinePath || !outPath) {
  console.error("usage: build.ts OUTLINE.json OUT.pptx");
  process.exit(1);
}
const outline = JSON.parse(readFileSync(outlinePath, "utf8")) as { title: string; slides: Slide[] };
const base = path.dirname(outlinePath);

const pres = new pptxgen();
pres.layout = theme.layout;
pres.title = outline.title;
const preview: string[] = [];

for (const s of outline.slides) {
  const slide = pres.addSlide();
  slide.background = { color: theme.background };
  slide.addText(s.title, { x: 0.5, y: 0.4, w: 12.3, h: 1, fontFace: theme.fontFace, ...theme.title });
  if (s.layout === "title" && s.subtitle) {
    slide.addText(s.subtitle, { x: 0.5, y: 2, w: 12.3, h: 0.8, fontFace: theme.fontFace, ...theme.body });
  }
  if (s.bullets) {
    slide.addText(
      s.bullets.map((b) => ({ text: b, options: { bullet: true } })),
      { x: 0.7, y: 1.6, w: 11.8, h: 5, fontFace: theme.fontFace, ...theme.body },
    );
  }
  if (s.chart) {
    const rows = parse(readFileSync(path.join(base, s.chart.data), "utf8"), { columns: true }) as Record<string, string>[];
    const keys = Object.keys(rows[0] ?? {});
    const labels = rows.map((r) => r[keys[0]]);
    const values = rows.map((r) => Number(r[keys[1]]));
    const type = s.chart.type === "bar" ? pres.ChartType.bar : pres.ChartType.line;
    slide.addChart(type, [{ name: keys[1], labels, values }], { x: 0.7, y: 1.6, w: 11.8, h: 5, chartColors: [theme.accent] });
  }
  preview.push(`<section><h1>${s.title}</h1>${(s.bullets ?? []).map((b) => `<li>${b}</li>`).join("")}</section>`);
}

await pres.writeFile({ fileName: outPath });
const html = `<html><body style="font-family:${theme.fontFace}">${preview.join("<hr>")}</body></html>`;
writeFileSync(outPath.replace(/\.pptx$/, "-preview.html"), html);
console.log(`wrote ${outPath}`);
