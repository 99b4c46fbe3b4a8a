// The visibility query behind GET /v1/transfers: each filter becomes one search-attribute clause.
import { visibilityQuery } from '../../api/listing';
import { listQuerySchema } from '../../api/schemas';

const query = (q: Record<string, string>) => visibilityQuery(listQuerySchema.parse(q));

test('operators can find transfers whose notifications or webhook failed for good', () => {
  expect(query({ deliveryFailed: 'true' })).toContain('CtDeliveryFailed = true');
  expect(query({ deliveryFailed: 'false' })).toContain('CtDeliveryFailed = false');
  expect(query({})).not.toContain('CtDeliveryFailed');
});

test('filters combine with AND and quote their values', () => {
  const q = query({ authority: 'somerset', status: 'post-transfer', team: "o'brien-team", escalated: 'true' });
  expect(q).toContain("CtAuthority = 'somerset'");
  expect(q).toContain("CtStatus = 'post-transfer'");
  expect(q).toContain("CtTeams = 'o\\'brien-team'");
  expect(q).toContain('CtEscalated = true');
  expect(q.split(' AND ').length).toBeGreaterThanOrEqual(5);
});

test('a team with a double quote, which no transfer can have, is left out of a manager\'s own teams rather than breaking the query', () => {
  expect(visibilityQuery(listQuerySchema.parse({}), ['t1', 'q"team'])).toContain("CtTeams IN ('t1')");
  expect(visibilityQuery(listQuerySchema.parse({}), ['q"team'])).toContain("CtTeams = ''");
  expect(listQuerySchema.safeParse({ team: 'a"b' }).error?.issues.map((i) => i.message)).toEqual(['must not contain a double quote']);
});
