// Cosmos DB input bindings whose id, partition key and query come from the request, through binding
// expressions: route parameters, the query string, JSON body fields (nested too), and a sqlQuery
// whose expressions become parameters. The `people` container (partition key /group) is filled
// through POST /api/cosmos/people (cosmos-feeds.ts).
import { app, input, type HttpRequest, type InvocationContext } from '@azure/functions';

const databaseName = 'fixture';
const connection = 'CosmosDBConnection';
const containerName = 'people';

function lookup(
  name: string,
  route: string,
  options: { id?: string; partitionKey?: string; sqlQuery?: string },
) {
  const person = input.cosmosDB({ connection, databaseName, containerName, ...options });
  app.http(name, {
    methods: ['GET', 'POST'],
    route,
    extraInputs: [person],
    handler: (_request: HttpRequest, context: InvocationContext) => ({
      jsonBody: { found: context.extraInputs.get(person) ?? null },
    }),
  });
}

lookup('personByRoute', 'people/{group}/{id}', { id: '{id}', partitionKey: '{group}' });
lookup('personByQuery', 'people-by-query', { id: '{Query.id}', partitionKey: '{Query.group}' });
lookup('personByBody', 'people-lookup', { id: '{person.id}', partitionKey: '{person.group}' });
lookup('peopleBySql', 'people-in/{group}', {
  sqlQuery: 'SELECT * FROM c WHERE c.group = {group} AND c.age >= {Query.minAge} ORDER BY c.id DESC',
});
