import { Task } from './task.entity.ts';

/** The tasks table, for the ORM. */
export const tasksEntities = [Task];
