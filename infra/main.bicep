// rentbook on Azure: one resource group with the Function App (Flex Consumption) and everything it
// talks to, reached only with its managed identity. `azd up` deploys this file (infra/README.md).
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; with the subscription and location it seeds every resource name.')
param environmentName string

@minLength(1)
@description('Region of every resource. It must offer Flex Consumption and the Durable Task Scheduler.')
@metadata({ azd: { type: 'location' } })
param location string

@description('Client id of an existing Entra ID app registration with the app roles member and librarian (infra/README.md).')
@minLength(36)
@maxLength(36)
param authClientId string

@description('Claim in a caller\'s token that carries the member id.')
param authMemberIdClaim string = 'member_id'

@description('E-mail address that alerts go to; empty: alerts fire with no one notified.')
param alertEmail string = ''

@description('Who runs azd: gets the Durable Task Scheduler dashboard. azd fills it in; empty: none.')
param principalId string = ''
@allowed(['User', 'ServicePrincipal', 'Group'])
param principalType string = 'User'

@description('Cosmos DB throughput: serverless (pay per request), autoscale or provisioned (shared by the database).')
@allowed(['serverless', 'autoscale', 'provisioned'])
param cosmosThroughputMode string = 'serverless'
@description('RU/s shared by the database: the autoscale maximum (at least 1000) or the provisioned value (at least 400).')
@minValue(400)
param cosmosThroughput int = 1000

@minValue(1)
@maxValue(32)
param eventHubPartitionCount int = 4
@description('Archive the domain events to blob storage (Event Hubs Capture; billed per throughput unit hour).')
param eventHubCaptureEnabled bool = false

@minValue(40)
@maxValue(1000)
param functionMaximumInstanceCount int = 100
@allowed([512, 2048, 4096])
param functionInstanceMemoryMB int = 2048

@minValue(1)
@maxValue(365)
param loanDays int = 7
param feeTimeZone string = 'Asia/Seoul'
@minValue(1)
@maxValue(100)
param maxLoans int = 5
@minValue(0)
param feeBlockThreshold int = 2000
@minValue(0)
@maxValue(100)
param maxRenewals int = 2
@description('Days a copy is kept for a member whose hold is READY.')
@minValue(1)
@maxValue(60)
param holdDays int = 3
@description('When the holds-expiry timer runs (NCRONTAB, six fields).')
param holdsExpirySchedule string = '0 0 * * * *'
@description('When the overdue timer runs (six-field NCRONTAB); hourly by default.')
param overdueSchedule string = '0 0 * * * *'
@minValue(1)
@maxValue(365)
param overdueReminderDays int = 3
@description('Rents one instance has in flight at once; past it a rent is refused with 503 and Retry-After, nothing recorded.')
@minValue(1)
@maxValue(100000)
param maxRentalsInFlight int = 48
@description('Where notices are also POSTed as JSON (a messenger bot, a Logic App); empty: the members\' inboxes only.')
param noticeWebhookUrl string = ''

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var functionAppName = '${abbrs.webSitesFunctions}api-${resourceToken}'
var deploymentContainerName = 'app-package-${take(functionAppName, 32)}-${take(resourceToken, 7)}'
var captureContainerName = 'event-capture'

// What the code stores, sends and receives (the cross-check in test/infra proves the code names
// nothing that is missing here).
var databaseContainers = [
  // TTL on (-1), nothing expires unless an item says so (sent outbox items do).
  { id: 'members', partitionKeyPath: '/memberId', defaultTtl: -1 } // members, their rentals and points ledger
  { id: 'books', partitionKeyPath: '/id', defaultTtl: -1 } // one book each, with its copy counters and loans
  { id: 'views', partitionKeyPath: '/memberId' } // mypage and the rental board, built from the change feed
  { id: 'dead-letters', partitionKeyPath: '/consumer' } // changes a consumer failed on, by consumer
  { id: 'notices', partitionKeyPath: '/memberId', defaultTtl: 31536000 } // each member's inbox of notices, a notice kept a year
  { id: 'leases', partitionKeyPath: '/id' } // change feed trigger leases (it cannot create them under RBAC)
]
var eventHubName = 'rentbook-events'
var eventHubConsumerGroups = ['notices']
var serviceBusQueues = [
  {
    name: 'notifications'
    duplicateDetectionWindow: 'PT10M'
    maxDeliveryCount: 10
    timeToLive: 'P7D'
  }
]
var taskHubName = 'rentbook'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module identity 'core/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}api-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'core/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: tags
    containers: eventHubCaptureEnabled ? [deploymentContainerName, captureContainerName] : [deploymentContainerName]
  }
}

module monitor 'core/monitor.bicep' = {
  name: 'monitor'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
  }
}

module cosmos 'app/cosmos.bicep' = {
  name: 'cosmos'
  scope: rg
  params: {
    name: '${abbrs.documentDBDatabaseAccounts}${resourceToken}'
    location: location
    tags: tags
    throughputMode: cosmosThroughputMode
    throughput: cosmosThroughput
    containers: databaseContainers
  }
}

module eventHubs 'app/event-hubs.bicep' = {
  name: 'event-hubs'
  scope: rg
  params: {
    name: '${abbrs.eventHubNamespaces}${resourceToken}'
    location: location
    tags: tags
    hubName: eventHubName
    partitionCount: eventHubPartitionCount
    consumerGroups: eventHubConsumerGroups
    captureEnabled: eventHubCaptureEnabled
    captureStorageAccountName: storage.outputs.name
    captureContainerName: captureContainerName
  }
}

module serviceBus 'app/service-bus.bicep' = {
  name: 'service-bus'
  scope: rg
  params: {
    name: '${abbrs.serviceBusNamespaces}${resourceToken}'
    location: location
    tags: tags
    queues: serviceBusQueues
  }
}

module durableTask 'app/durable-task.bicep' = {
  name: 'durable-task'
  scope: rg
  params: {
    name: '${abbrs.durableTaskSchedulers}${resourceToken}'
    location: location
    tags: tags
    taskHubName: taskHubName
    skuName: 'Consumption'
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    principalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    applicationInsightsName: monitor.outputs.applicationInsightsName
    cosmosAccountName: cosmos.outputs.name
    eventHubsNamespaceName: eventHubs.outputs.name
    serviceBusNamespaceName: serviceBus.outputs.name
    durableTaskSchedulerName: durableTask.outputs.name
    operatorPrincipalId: principalId
    operatorPrincipalType: principalType
  }
}

module api 'app/api.bicep' = {
  name: 'api'
  scope: rg
  // The app starts with its roles already granted, so its first calls are not refused.
  dependsOn: [rbac]
  params: {
    name: functionAppName
    planName: '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: tags
    identityResourceId: identity.outputs.resourceId
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerName: deploymentContainerName
    applicationInsightsName: monitor.outputs.applicationInsightsName
    maximumInstanceCount: functionMaximumInstanceCount
    instanceMemoryMB: functionInstanceMemoryMB
    authClientId: authClientId
    // Identity-based connections: an endpoint, `managedidentity` and the identity's client id.
    appSettings: {
      CosmosDBConnection__accountEndpoint: cosmos.outputs.endpoint
      CosmosDBConnection__credential: 'managedidentity'
      CosmosDBConnection__clientId: identity.outputs.clientId
      EventHubConnection__fullyQualifiedNamespace: eventHubs.outputs.fullyQualifiedNamespace
      EventHubConnection__credential: 'managedidentity'
      EventHubConnection__clientId: identity.outputs.clientId
      ServiceBusConnection__fullyQualifiedNamespace: serviceBus.outputs.fullyQualifiedNamespace
      ServiceBusConnection__credential: 'managedidentity'
      ServiceBusConnection__clientId: identity.outputs.clientId
      DURABLE_TASK_SCHEDULER_CONNECTION_STRING: 'Endpoint=${durableTask.outputs.endpoint};Authentication=ManagedIdentity;ClientID=${identity.outputs.clientId}'
      TASKHUB_NAME: durableTask.outputs.taskHubName
      // The app verifies Entra ID bearer tokens itself (shared/entra-token.ts), whatever the plan.
      AUTH_MODE: 'entra'
      AUTH_CLIENT_ID: authClientId
      AUTH_ISSUER: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
      AUTH_MEMBER_ID_CLAIM: authMemberIdClaim
      LOAN_DAYS: string(loanDays)
      FEE_TIME_ZONE: feeTimeZone
      MAX_LOANS: string(maxLoans)
      FEE_BLOCK_THRESHOLD: string(feeBlockThreshold)
      MAX_RENEWALS: string(maxRenewals)
      HOLD_DAYS: string(holdDays)
      HOLDS_EXPIRY_SCHEDULE: holdsExpirySchedule
      OVERDUE_SCHEDULE: overdueSchedule
      OVERDUE_REMINDER_DAYS: string(overdueReminderDays)
      NOTICE_WEBHOOK_URL: noticeWebhookUrl
      MAX_RENTALS_IN_FLIGHT: string(maxRentalsInFlight)
    }
  }
}

module dashboard 'app/dashboard.bicep' = {
  name: 'dashboard'
  scope: rg
  params: {
    name: '${abbrs.portalDashboards}${resourceToken}'
    location: location
    tags: tags
    applicationInsightsId: monitor.outputs.applicationInsightsId
    serviceBusNamespaceId: serviceBus.outputs.resourceId
    functionAppId: api.outputs.resourceId
  }
}

module alerts 'app/alerts.bicep' = {
  name: 'alerts'
  scope: rg
  params: {
    resourceToken: resourceToken
    location: location
    tags: tags
    alertEmail: alertEmail
    applicationInsightsId: monitor.outputs.applicationInsightsId
    serviceBusNamespaceId: serviceBus.outputs.resourceId
    cosmosAccountId: cosmos.outputs.resourceId
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output SERVICE_API_NAME string = api.outputs.name
output SERVICE_API_URI string = 'https://${api.outputs.defaultHostName}/api'
output AZURE_FUNCTION_APP_IDENTITY_CLIENT_ID string = identity.outputs.clientId
