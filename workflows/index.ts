export { caseTransfer } from './case-transfer';
