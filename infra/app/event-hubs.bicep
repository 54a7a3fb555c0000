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

@description('Archive every event to blob storage (Event Hubs Capture, Avro), written by the namespace\'s own identity.')
param captureEnabled bool

@description('Storage account (in this resource group) and container that Capture writes to.')
param captureStorageAccountName string
param captureContainerName string

var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe' // Storage Blob Data Contributor

resource captureStorage 'Microsoft.Storage/storageAccounts@2024-01-01' existing = {
  name: captureStorageAccountName
}

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

// Capture writes with the namespace's own identity, which exists only once the namespace does. The role
// is declared here, not in rbac.bicep with the app's, so that the hub turning Capture on can wait for it.
// (Named from the namespace's id: a name must be known when the deployment starts, its principal is not.)
resource captureRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (captureEnabled) {
  name: guid(captureStorage.id, namespace.id, storageBlobDataContributor)
  scope: captureStorage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor)
    principalId: namespace.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

resource hub 'Microsoft.EventHub/namespaces/eventhubs@2024-01-01' = {
  parent: namespace
  name: hubName
  // Capture starts writing as soon as it is on: not before its identity may write.
  dependsOn: [captureRole]
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
              storageAccountResourceId: captureStorage.id
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
