// Event Hubs: the domain events. Standard tier: more than one consumer group (one per consumer) and
// Capture. Keys are off: senders and receivers use Entra ID (app/rbac.bicep).
param name string
param location string
param tags object

@description('The hub the domain events go to.')
param hubName string

@description('Partitions of the hub; events of one aggregate share a partition key, so they stay in order.')
@minValue(1)
@maxValue(32)
param partitionCount int

@description('One consumer group per consumer of the events.')
param consumerGroups string[]

@description('Archive every event to blob storage (Event Hubs Capture, Avro), read by the namespace\'s own identity.')
param captureEnabled bool

@description('Storage account and container that Capture writes to.')
param captureStorageAccountId string
param captureContainerName string

resource namespace 'Microsoft.EventHub/namespaces@2024-01-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
    capacity: 1
  }
  identity: { type: captureEnabled ? 'SystemAssigned' : 'None' }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
    isAutoInflateEnabled: false
  }
}

resource hub 'Microsoft.EventHub/namespaces/eventhubs@2024-01-01' = {
  parent: namespace
  name: hubName
  properties: {
    partitionCount: partitionCount
    messageRetentionInDays: 1
    captureDescription: captureEnabled
      ? {
          enabled: true
          encoding: 'Avro'
          intervalInSeconds: 300
          sizeLimitInBytes: 314572800
          skipEmptyArchives: true
          destination: {
            name: 'EventHubArchive.AzureBlockBlob'
            identity: { type: 'SystemAssigned' }
            properties: {
              storageAccountResourceId: captureStorageAccountId
              blobContainer: captureContainerName
              archiveNameFormat: '{Namespace}/{EventHub}/{PartitionId}/{Year}/{Month}/{Day}/{Hour}/{Minute}/{Second}'
            }
          }
        }
      : null
  }
}

resource groups 'Microsoft.EventHub/namespaces/eventhubs/consumergroups@2024-01-01' = [
  for group in consumerGroups: {
    parent: hub
    name: group
  }
]

output name string = namespace.name
// serviceBusEndpoint is https://<name>.servicebus.windows.net:443/ (the cloud's own suffix).
output fullyQualifiedNamespace string = split(split(namespace.properties.serviceBusEndpoint, '/')[2], ':')[0]
output capturePrincipalId string = captureEnabled ? namespace.identity.principalId : ''
