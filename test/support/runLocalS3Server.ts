// Runs the local S3 server alone in this process, for tests that need a real process to kill or to keep
// alive under hostile requests: `node -r ts-node/register/transpile-only runLocalS3Server.ts <data dir>`.
// Prints `READY <endpoint> <recovery JSON>`, then one `NOTICE <json>` line per notice.
import { startLocalS3Server } from '../../src/tools/local/s3server/localS3Server';

const [directory = ''] = process.argv.slice(2);
void startLocalS3Server({
  port: 0,
  directory,
  buckets: ['uploads', 'thumbnails'],
  credentials: [{ accessKeyId: 'test', secretAccessKey: 'test' }],
  onNotice: (notice) => {
    process.stdout.write(`NOTICE ${JSON.stringify(notice)}\n`);
  },
  onNoticeError: (error) => {
    process.stdout.write(`NOTICE-ERROR ${String(error)}\n`);
  },
}).then((server) => {
  process.stdout.write(`READY ${server.endpoint} ${JSON.stringify(server.recovered)}\n`);
});
