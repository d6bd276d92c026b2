import { Tinypool } from 'tinypool';
import tasks from './pool-tasks.cjs';

export const add = tasks.add;
export const julia = (rows) => Tinypool.move(tasks.juliaTile(rows));
