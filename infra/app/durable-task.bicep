// The Durable Task Scheduler: the borrow saga's state (orchestration history, activity queues).
param name string
param location string
param tags object

@description('The task hub; host.json durableTask.hubName names the same hub.')
param taskHubName string

@description('Consumption: billed per orchestration and activity action; Dedicated: reserved capacity units.')
@allowed(['Consumption', 'Dedicated'])
param skuName string

resource scheduler 'Microsoft.DurableTask/schedulers@2025-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    // Reached with Entra ID only (Durable Task Data Contributor); no network restriction by address.
    ipAllowlist: ['0.0.0.0/0']
    sku: { name: skuName }
  }
}

resource taskHub 'Microsoft.DurableTask/schedulers/taskHubs@2025-11-01' = {
  parent: scheduler
  name: taskHubName
}

output name string = scheduler.name
output endpoint string = scheduler.properties.endpoint
output taskHubName string = taskHub.name
