export { contactExportWorkflow } from './contactExport';
export { purgeExpiredExportsWorkflow } from './purgeExpired';
export { scheduledExportWorkflow } from './scheduledExport';
