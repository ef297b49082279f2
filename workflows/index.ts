export { contactExportWorkflow } from './contactExport';
export { purgeExpiredExportsWorkflow } from './purgeExpired';
