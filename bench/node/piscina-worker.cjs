const { move } = require('piscina');
const tasks = require('./pool-tasks.cjs');

module.exports = { add: tasks.add, julia: (rows) => move(tasks.juliaTile(rows)) };
