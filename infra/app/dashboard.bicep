// The operators' dashboard in the Azure Portal. Business tiles query the traces the app writes
// (one JSON object per event, infra/README.md "What the app emits"); platform tiles chart requests
// and Service Bus metrics.
param name string
param location string
param tags object
param applicationInsightsId string
param serviceBusNamespaceId string
param functionAppId string

// A trace the app writes for a business event: {"event":"rental.rejected","reason":...}.
var events = 'traces | where message startswith \'{"event":\' | extend e = parse_json(message) | extend event = tostring(e.event)'

var tiles = [
  {
    title: 'Rents per minute'
    chart: 'Line'
    query: '${events} | where event == "rental.approved" | summarize rents = count() by bin(timestamp, 1m) | render timechart'
  }
  {
    title: 'Rejections by reason'
    chart: 'StackedColumn'
    query: '${events} | where event == "rental.rejected" | summarize count() by reason = tostring(e.reason), bin(timestamp, 5m) | render columnchart'
  }
  {
    title: 'Saga failures and compensations'
    chart: 'StackedColumn'
    query: '${events} | where event in ("saga.failed", "saga.compensated") | summarize count() by kind = iff(event == "saga.failed", "failed", strcat("compensated: ", tostring(e.step))), bin(timestamp, 5m) | render columnchart'
  }
  {
    title: 'Projection lag (ms, p95)'
    chart: 'Line'
    query: '${events} | where event == "projection.applied" | summarize p95 = percentile(todouble(e.lagMs), 95) by projection = tostring(e.projection), bin(timestamp, 5m) | render timechart'
  }
  {
    title: 'Projection dead letters'
    chart: 'StackedColumn'
    query: '${events} | where event == "projection.deadlettered" | summarize count() by projection = tostring(e.projection), bin(timestamp, 15m) | render columnchart'
  }
  {
    title: 'Loans overdue'
    chart: 'Line'
    query: '${events} | where event == "overdue.scanned" | summarize overdue = max(toint(e.overdue)) by bin(timestamp, 1h) | render timechart'
  }
  {
    title: 'Function failures'
    chart: 'StackedColumn'
    query: 'requests | where success == false | summarize failures = count() by operation_Name, bin(timestamp, 5m) | render columnchart'
  }
  {
    title: 'Function duration (ms, p50 / p95)'
    chart: 'Line'
    query: 'requests | summarize p50 = percentile(duration, 50), p95 = percentile(duration, 95) by bin(timestamp, 5m) | render timechart'
  }
]

func logTile(index int, componentId string, title string, query string, chart string) object => {
  position: {
    x: (index % 3) * 6
    y: (index / 3) * 4
    colSpan: 6
    rowSpan: 4
  }
  metadata: {
    type: 'Extension/Microsoft_OperationsManagementSuite_Workspace/PartType/LogsDashboardPart'
    inputs: [
      { name: 'resourceTypeMode', isOptional: true, value: 'components' }
      { name: 'ComponentId', isOptional: true, value: componentId }
      { name: 'Scope', isOptional: true, value: { resourceIds: [componentId] } }
      { name: 'Version', isOptional: true, value: '2.0' }
      { name: 'TimeRange', isOptional: true, value: 'PT24H' }
      { name: 'Query', isOptional: true, value: query }
      { name: 'PartTitle', isOptional: true, value: title }
      { name: 'ControlType', isOptional: true, value: 'FrameControlChart' }
      { name: 'SpecificChart', isOptional: true, value: chart }
    ]
    settings: {}
  }
}

var logParts = [for (tile, i) in tiles: logTile(i, applicationInsightsId, tile.title, tile.query, tile.chart)]

var metricParts = [
  {
    position: {
      x: (length(tiles) % 3) * 6
      y: (length(tiles) / 3) * 4
      colSpan: 6
      rowSpan: 4
    }
    metadata: {
      type: 'Extension/HubsExtension/PartType/MonitorChartPart'
      inputs: [
        {
          name: 'options'
          isOptional: true
          value: {
            chart: {
              title: 'Service Bus dead letters'
              visualization: { chartType: 2 }
              metrics: [
                {
                  resourceMetadata: { id: serviceBusNamespaceId }
                  name: 'DeadletteredMessages'
                  namespace: 'microsoft.servicebus/namespaces'
                  aggregationType: 3 // maximum
                  metricVisualization: { displayName: 'Dead-lettered messages' }
                }
              ]
              grouping: { dimension: 'EntityName' }
            }
          }
        }
      ]
      settings: {}
    }
  }
  {
    position: {
      x: ((length(tiles) + 1) % 3) * 6
      y: ((length(tiles) + 1) / 3) * 4
      colSpan: 6
      rowSpan: 4
    }
    metadata: {
      type: 'Extension/HubsExtension/PartType/MonitorChartPart'
      inputs: [
        {
          name: 'options'
          isOptional: true
          value: {
            chart: {
              title: 'Function executions'
              visualization: { chartType: 2 }
              metrics: [
                {
                  resourceMetadata: { id: functionAppId }
                  name: 'OnDemandFunctionExecutionCount'
                  namespace: 'microsoft.web/sites'
                  aggregationType: 1 // sum
                  metricVisualization: { displayName: 'Executions' }
                }
              ]
            }
          }
        }
      ]
      settings: {}
    }
  }
]

resource dashboard 'Microsoft.Portal/dashboards@2022-12-01-preview' = {
  name: name
  location: location
  tags: union(tags, { 'hidden-title': 'rentbook operations' })
  properties: {
    lenses: [
      {
        order: 0
        parts: concat(logParts, metricParts)
      }
    ]
    metadata: {
      model: {
        timeRange: {
          type: 'MsPortalFx.Composition.Configuration.ValueTypes.TimeRange'
          value: { relative: { duration: 24, timeUnit: 1 } }
        }
      }
    }
  }
}

output resourceId string = dashboard.id
