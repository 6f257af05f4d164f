exports.handler = async (event) => ({ statusCode: 200, body: `thumbnail of ${event.key ?? 'nothing'}` });
