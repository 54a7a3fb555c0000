// Alerts to one action group: dead letters, function failures, a spike of saga compensations and
// Cosmos DB throttling (429).
param resourceToken string
param location string
param tags object

@description('Where alerts are e-mailed; empty: the action group has no receiver.')
param alertEmail string

param applicationInsightsId string
param serviceBusNamespaceId string
param cosmosAccountId string

@description('Saga compensations in 15 minutes above which the spike alert fires.')
param compensationThreshold int = 20

@description('Throttled (429) Cosmos DB requests in 5 minutes above which the alert fires.')
param throttledRequestThreshold int = 10

var abbrs = loadJsonContent('../abbreviations.json')

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: '${abbrs.insightsActionGroups}${resourceToken}'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'rentbook'
    enabled: true
    emailReceivers: empty(alertEmail)
      ? []
      : [
          {
            name: 'operators'
            emailAddress: alertEmail
            useCommonAlertSchema: true
          }
        ]
  }
}

resource deadLetteredMessages 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: '${abbrs.insightsMetricAlerts}dead-letters-${resourceToken}'
  location: 'global'
  tags: tags
  properties: {
    description: 'A Service Bus message was dead-lettered (a notice that could not be delivered).'
    severity: 2
    enabled: true
    scopes: [serviceBusNamespaceId]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT5M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'deadLettered'
          metricNamespace: 'Microsoft.ServiceBus/namespaces'
          metricName: 'DeadletteredMessages'
          dimensions: [{ name: 'EntityName', operator: 'Include', values: ['*'] }]
          operator: 'GreaterThan'
          threshold: 0
          timeAggregation: 'Maximum'
        }
      ]
    }
    actions: [{ actionGroupId: actionGroup.id }]
  }
}

resource cosmosThrottling 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: '${abbrs.insightsMetricAlerts}cosmos-429-${resourceToken}'
  location: 'global'
  tags: tags
  properties: {
    description: 'Cosmos DB throttled requests (429): the workload needs more request units.'
    severity: 2
    enabled: true
    scopes: [cosmosAccountId]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT5M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'throttled'
          metricNamespace: 'Microsoft.DocumentDB/databaseAccounts'
          metricName: 'TotalRequests'
          dimensions: [{ name: 'StatusCode', operator: 'Include', values: ['429'] }]
          operator: 'GreaterThan'
          threshold: throttledRequestThreshold
          timeAggregation: 'Count'
        }
      ]
    }
    actions: [{ actionGroupId: actionGroup.id }]
  }
}

var logAlerts = [
  {
    key: 'function-failures'
    description: 'Function invocations failed.'
    severity: 2
    window: 'PT5M'
    query: 'requests | where success == false'
    threshold: 0
  }
  {
    key: 'projection-dead-letters'
    description: 'A change could not be applied to a view and was dead-lettered.'
    severity: 2
    window: 'PT5M'
    query: 'traces | where message startswith \'{"event":"projection.deadlettered"\''
    threshold: 0
  }
  {
    key: 'compensation-spike'
    description: 'Many rentals were compensated (points refunded, copies released) in a short time.'
    severity: 3
    window: 'PT15M'
    query: 'traces | where message startswith \'{"event":"saga.compensated"\''
    threshold: compensationThreshold
  }
]

resource logSearchAlerts 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [
  for alert in logAlerts: {
    name: '${abbrs.insightsScheduledQueryRules}${alert.key}-${resourceToken}'
    location: location
    tags: tags
    properties: {
      description: alert.description
      severity: alert.severity
      enabled: true
      scopes: [applicationInsightsId]
      evaluationFrequency: 'PT5M'
      windowSize: alert.window
      criteria: {
        allOf: [
          {
            query: alert.query
            timeAggregation: 'Count'
            operator: 'GreaterThan'
            threshold: alert.threshold
            failingPeriods: {
              numberOfEvaluationPeriods: 1
              minFailingPeriodsToAlert: 1
            }
          }
        ]
      }
      actions: { actionGroups: [actionGroup.id] }
    }
  }
]
