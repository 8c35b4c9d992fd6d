import type { Channel, Scenario } from './types.js';

/** The API form of a Tanzanian mobile number: 255 and nine digits, no plus. */
const API_PHONE = /^255\d{9}$/;

// The newest prefix table of ClickPesa's tanzanian-phone-validator (v1.1.8), mapped to the
// wallet each operator runs. Prefixes without a ClickPesa wallet (64, 72 apart from 724, 73, ...) are refused.
const WALLET_BY_PREFIX: Record<string, Channel> = {
  '61': 'HALOPESA',
  '62': 'HALOPESA',
  '63': 'HALOPESA',
  '65': 'TIGO-PESA',
  '67': 'TIGO-PESA',
  '70': 'TIGO-PESA',
  '71': 'TIGO-PESA',
  '77': 'TIGO-PESA',
  '66': 'AIRTEL-MONEY',
  '68': 'AIRTEL-MONEY',
  '69': 'AIRTEL-MONEY',
  '78': 'AIRTEL-MONEY',
  '74': 'M-PESA',
  '75': 'M-PESA',
  '76': 'M-PESA',
  '79': 'M-PESA',
};

/** The wallet behind a number in API form, or undefined when ClickPesa would not take it. */
export function channelFor(phoneNumber: string): Channel | undefined {
  if (!API_PHONE.test(phoneNumber)) return undefined;
  if (phoneNumber.startsWith('255724')) return 'M-PESA';
  return WALLET_BY_PREFIX[phoneNumber.slice(3, 5)];
}

const SCENARIO_BY_LAST_DIGIT: Record<string, Scenario> = {
  '5': 'reject',
  '6': 'insufficient-balance',
  '7': 'no-answer',
  '8': 'approve-silently',
  '9': 'invalid-number',
};

/** Like test card numbers: the last digit decides what the simulated customer does. */
export function scenarioFor(phoneNumber: string): Scenario {
  return SCENARIO_BY_LAST_DIGIT[phoneNumber.slice(-1)] ?? 'approve';
}
