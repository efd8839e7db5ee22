// Microsoft Entra ID auth for the Azure providers (azure-openai and azure-anthropic import it from here).
export { azureAuthHeaders, azureAuthVariables, describeAzureAuth, resolveAzureAuth } from './azure-auth.ts'
export type { AzureAuth, AzureAuthSpec, AzureAuthVariables } from './azure-auth.ts'
export type { EntraCredential } from './token-requests.ts'
