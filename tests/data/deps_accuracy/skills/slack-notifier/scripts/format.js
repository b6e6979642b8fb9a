// Build the Slack attachment payload.
const COLORS = { success: "#2eb886", warning: "#daa038", failure: "#a30200" };

function buildPayload({ status, title, fields, link }) {
  return {
    attachments: [
      {
        color: COLORS[status] || COLORS.warning,
        title,
        title_link: link,
        fields: Object.entries(fields).map(([title, value]) => ({ title, value, short: true })),
        footer: "notifier",
        ts: Math.floor(Date.now() / 1000),
      },
    ],
  };
}

module.exports = { buildPayload };
