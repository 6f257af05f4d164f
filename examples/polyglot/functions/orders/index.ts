export async function handler(event: { orderId?: string }): Promise<{ statusCode: number; body: string }> {
  return { statusCode: 200, body: JSON.stringify({ orderId: event.orderId ?? 'none', status: 'accepted' }) };
}
