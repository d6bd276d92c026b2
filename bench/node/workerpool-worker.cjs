require('workerpool').worker({ add: (a, b) => a + b });
