export const theme = {
  layout: "LAYOUT_WIDE",
  fontFace: "Inter",
  title: { color: "1F2937", fontSize: 32, bold: true },
  body: { color: "374151", fontSize: 18 },
  accent: "2563EB",
  background: "FFFFFF",
};
