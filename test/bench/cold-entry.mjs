// One cold start of a CDK-built bundle, as Lambda does it: import the module (init), then, when an event file
// is given, invoke the handler once (the first invocation). Exits non-zero if either fails, so a broken
// measurement cannot pass for a fast one.
const [bundle, eventFile] = process.argv.slice(2);
const module = await import(bundle);
if (eventFile) {
  const { readFileSync } = await import('node:fs');
  const event = JSON.parse(readFileSync(eventFile, 'utf8'));
  const context = {
    awsRequestId: 'bench',
    functionName: 'bench',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-2:000000000000:function:bench',
    memoryLimitInMB: '256',
    logGroupName: '/aws/lambda/bench',
    logStreamName: 'bench',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => 10_000,
  };
  const result = await module.handler(event, context);
  const status = result?.statusCode;
  if (typeof status === 'number' && status >= 500) {
    console.error(`first invocation answered ${status}: ${String(result.body).slice(0, 300)}`);
    process.exit(1);
  }
}
