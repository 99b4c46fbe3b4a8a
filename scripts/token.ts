// npm run token -- --sub ID --role ROLE [--role ROLE2] --team TEAM [--team TEAM2] [--name NAME] [--ttl 8h]
// Mints an HS256 token with AUTH_JWT_SECRET, or with the secret `npm start` created in data/.
import { parseArgs } from 'node:util';
import { mintToken } from '../api/auth';
import { ROLES } from '../workflows/definitions';
import { devSecret } from './dev-secret';

async function main() {
  const { values } = parseArgs({
    options: {
      sub: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string', multiple: true },
      team: { type: 'string', multiple: true },
      ttl: { type: 'string', default: '8h' },
    },
  });
  const roles = values.role ?? [];
  const bad = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (!values.sub || roles.length === 0 || bad.length) {
    console.error(`usage: npm run token -- --sub ID --role ROLE --team TEAM\nroles: ${ROLES.join(', ')}`);
    if (bad.length) console.error(`unknown role(s): ${bad.join(', ')}`);
    process.exit(2);
  }
  const secret = process.env.AUTH_JWT_SECRET || devSecret(false)?.secret;
  if (!secret) {
    console.error('No AUTH_JWT_SECRET set and no development secret yet: run `npm start` once first.');
    process.exit(2);
  }
  process.stdout.write(
    `${await mintToken(secret, { sub: values.sub, name: values.name, roles, teams: values.team ?? [] }, { expiresIn: values.ttl })}\n`,
  );
}

void main();
