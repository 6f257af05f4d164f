// DELIBERATELY VULNERABLE, for the demo. Do not copy.
// Reads user preferences serialised the way node-serialize does it: a value
// marked _$$ND_FUNC$$_ is revived with eval, so a crafted body runs code.
const FUNCTION_MARK = '_$$ND_FUNC$$_';

function unserialize(text) {
  const object = JSON.parse(text);
  for (const [key, value] of Object.entries(object)) {
    if (typeof value === 'string' && value.startsWith(FUNCTION_MARK)) {
      object[key] = eval(`(${value.slice(FUNCTION_MARK.length)})`);
    }
  }
  return object;
}

exports.handler = async (event) => {
  try {
    const preferences = unserialize((event && event.body) || '{}');
    return { statusCode: 200, body: JSON.stringify({ theme: preferences.theme || 'light', language: preferences.language || 'en' }) };
  } catch (e) {
    return { statusCode: 500, body: `bad preferences: ${e.message}` };
  }
};
