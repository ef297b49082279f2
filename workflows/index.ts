export { contactExportWorkflow } from './contactExport';
