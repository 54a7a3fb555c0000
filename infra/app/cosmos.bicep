// Cosmos DB for NoSQL: database `rentbook` and its containers (docs/decisions/0001-partition-keys.md).
// Keys are off (disableLocalAuth): the app reaches the data plane only through its identity's
// sqlRoleAssignment (app/rbac.bicep).
param name string
param location string
param tags object

@description('serverless: pay per request unit (the default). autoscale: shared database throughput that scales between 10% of the maximum and the maximum. provisioned: fixed shared database throughput.')
@allowed(['serverless', 'autoscale', 'provisioned'])
param throughputMode string

@description('RU/s of the shared database throughput: the maximum when autoscale, the fixed value when provisioned.')
@minValue(400)
param throughput int

@description('The database\'s containers: id, partition key path, default time to live in seconds (-1: items may set their own ttl; absent: off).')
param containers {
  id: string
  partitionKeyPath: string
  defaultTtl: int?
}[]

var serverless = throughputMode == 'serverless'

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-11-15' = {
  name: name
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    consistencyPolicy: { defaultConsistencyLevel: 'Session' }
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: false
      }
    ]
    capabilities: serverless ? [{ name: 'EnableServerless' }] : []
    disableLocalAuth: true
    disableKeyBasedMetadataWriteAccess: true
    minimalTlsVersion: 'Tls12'
    publicNetworkAccess: 'Enabled'
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-11-15' = {
  parent: account
  name: 'rentbook'
  properties: {
    resource: { id: 'rentbook' }
    options: serverless
      ? {}
      : throughputMode == 'autoscale' ? { autoscaleSettings: { maxThroughput: throughput } } : { throughput: throughput }
  }
}

resource sqlContainers 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-11-15' = [
  for container in containers: {
    parent: database
    name: container.id
    properties: {
      resource: union(
        {
          id: container.id
          partitionKey: { paths: [container.partitionKeyPath], kind: 'Hash', version: 2 }
        },
        container.?defaultTtl == null ? {} : { defaultTtl: container.?defaultTtl }
      )
    }
  }
]

output name string = account.name
output resourceId string = account.id
output endpoint string = account.properties.documentEndpoint
