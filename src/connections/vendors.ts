/** The vendors an admin can connect, their names and the workspace role each fills. */
export const CONNECTABLE_VENDORS = ['hubspot', 'salesforce', 'mautic'] as const;
export type ConnectableVendor = (typeof CONNECTABLE_VENDORS)[number];

export function isConnectableVendor(v: string): v is ConnectableVendor {
  return (CONNECTABLE_VENDORS as readonly string[]).includes(v);
}

export const VENDOR_LABELS: Record<ConnectableVendor, string> = {
  hubspot: 'HubSpot',
  salesforce: 'Salesforce',
  mautic: 'Mautic',
};

export function roleOf(vendor: ConnectableVendor): 'source' | 'crm' {
  return vendor === 'salesforce' ? 'crm' : 'source';
}
