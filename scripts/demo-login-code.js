#!/usr/bin/env node
/**
 * `npm run demo:login-code -- <userid>`: a one-time mini-program login code for a simulated
 * member, from a demo server running on this machine (POST /api/admin/demo/login-code). Paste it
 * into the mini-program's demo sign-in, or post it to /api/mp/login yourself. Codes work once,
 * for 5 minutes. The server is http://127.0.0.1:$PORT (default 3000), or XIANSUO_URL; the admin
 * token is ADMIN_TOKEN, or the one demo mode keeps in ./data/demo-admin-token.
 */
const fs = require('node:fs');
const path = require('node:path');

async function main() {
  const userId = process.argv[2];
  if (!userId || process.argv.length > 3) {
    console.error('usage: npm run demo:login-code -- <userid>   (demo members: zhangsan, lisi, wangwu, zhaoliu, sunqi)');
    process.exit(2);
  }
  const baseUrl = (process.env.XIANSUO_URL || `http://127.0.0.1:${process.env.PORT || 3000}`).replace(/\/+$/, '');
  const tokenFile = path.resolve('data', 'demo-admin-token');
  let token = process.env.ADMIN_TOKEN;
  if (!token) {
    try {
      token = fs.readFileSync(tokenFile, 'utf8').trim();
    } catch {
      console.error(`no ADMIN_TOKEN and no ${tokenFile}: start the demo (npm start without WeCom credentials) in this folder first`);
      process.exit(1);
    }
  }
  let response;
  try {
    response = await fetch(`${baseUrl}/api/admin/demo/login-code`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ userId }),
    });
  } catch (error) {
    console.error(`cannot reach ${baseUrl}: ${error.cause?.code || error.message}. Is the demo running (npm start)?`);
    process.exit(1);
  }
  const body = await response.json().catch(() => ({}));
  if (response.status !== 200) {
    const why = response.status === 404 && body.message?.includes('demo mode') ? 'the server is not in demo mode' : body.message || `HTTP ${response.status}`;
    console.error(`no login code for ${userId}: ${why}`);
    process.exit(1);
  }
  console.error(`login code for ${userId} (one use, ${body.expiresInSeconds / 60} minutes):`);
  console.log(body.code);
}

main();
