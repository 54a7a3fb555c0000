// Service Bus: notification work. Standard tier for duplicate detection. Keys are off: the app sends
// and receives with Entra ID (app/rbac.bicep).
param name string
param location string
param tags object

@description('Queues: name, duplicate detection window, deliveries before a message is dead-lettered, time to live.')
param queues {
  name: string
  duplicateDetectionWindow: string
  maxDeliveryCount: int
  timeToLive: string
}[]

resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
  }
}

resource namespaceQueues 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = [
  for queue in queues: {
    parent: namespace
    name: queue.name
    properties: {
      requiresDuplicateDetection: true
      duplicateDetectionHistoryTimeWindow: queue.duplicateDetectionWindow
      maxDeliveryCount: queue.maxDeliveryCount
      defaultMessageTimeToLive: queue.timeToLive
      deadLetteringOnMessageExpiration: true
      lockDuration: 'PT1M'
    }
  }
]

output name string = namespace.name
output resourceId string = namespace.id
// serviceBusEndpoint is https://<name>.servicebus.windows.net:443/ (the cloud's own suffix).
output fullyQualifiedNamespace string = split(split(namespace.properties.serviceBusEndpoint, '/')[2], ':')[0]
