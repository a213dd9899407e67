// Runs in every test worker before the suites load.

// The SDK warns once per process that Node 20 support ends in 2027; the Lambda image runs Node 22.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
// Tests talk only to local servers; a region is still required to sign requests.
process.env.AWS_REGION ??= 'us-east-1';
