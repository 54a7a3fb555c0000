// Microsoft Entra credentials for the SDK clients, from a connection's identity settings:
// `__credential=managedidentity` (in Azure) uses that managed identity only, with `__clientId` when the
// identity is user-assigned; otherwise the developer's sign-in chain (environment, workload identity,
// managed identity, Azure CLI, ...) does.
import type { TokenCredential } from '@azure/identity';
import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';

export function credentialFor(connection: {
  managedIdentity: boolean;
  clientId: string | undefined;
}): TokenCredential {
  const { managedIdentity, clientId } = connection;
  if (managedIdentity)
    return clientId !== undefined
      ? new ManagedIdentityCredential({ clientId })
      : new ManagedIdentityCredential();
  return new DefaultAzureCredential(clientId !== undefined ? { managedIdentityClientId: clientId } : {});
}
