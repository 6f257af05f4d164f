// DELIBERATELY VULNERABLE, for the demo. Do not copy.
// Fetches a document and converts it to text with the bundled bin/catdoc. The
// URL is pasted unquoted into a shell line: `?document_url=x;env #` runs `env`.
const { execSync } = require('child_process');

exports.handler = async (event) => {
  const url = event && event.queryStringParameters && event.queryStringParameters.document_url;
  if (!url) return { statusCode: 400, body: 'document_url is required' };
  try {
    const text = execSync(`curl --silent -L ${url} | ./bin/catdoc -`, { cwd: __dirname, encoding: 'utf8', timeout: 5000 });
    return { statusCode: 200, body: text };
  } catch (e) {
    return { statusCode: 500, body: `conversion failed: ${e.code || e.message}` };
  }
};
