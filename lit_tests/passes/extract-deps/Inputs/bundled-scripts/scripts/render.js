// Render the report.
const puppeteer = require("puppeteer");
const port = process.env.RENDER_PORT;
